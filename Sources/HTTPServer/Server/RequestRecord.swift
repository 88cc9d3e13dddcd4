/// What the server tells its owner about each answered request (for access logs and metrics).
public struct RequestRecord: Sendable {
    /// The request's `X-Request-ID`: the client's when valid, otherwise one the server made up.
    public let requestID: String
    public let method: String
    public let path: String
    /// The route pattern that matched (`/api/notes/{id}`), or nil when none did.
    public let route: String?
    public let status: Int
    public let bodyBytes: Int
    public let duration: Duration
    public let remote: String

    public init(
        requestID: String, method: String, path: String, route: String?, status: Int, bodyBytes: Int,
        duration: Duration, remote: String
    ) {
        self.requestID = requestID
        self.method = method
        self.path = path
        self.route = route
        self.status = status
        self.bodyBytes = bodyBytes
        self.duration = duration
        self.remote = remote
    }
}

public typealias RequestObserver = @Sendable (RequestRecord) -> Void
