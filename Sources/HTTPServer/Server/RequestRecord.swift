import TextEscaping

/// What the server tells its owner about each answered request (for access logs and metrics).
public struct RequestRecord: Sendable {
    /// The request's `X-Request-ID`: the client's when valid, otherwise one the server made up.
    /// Made into text only when read: an access line reads it, metrics do not.
    public var requestID: String { id.text }

    /// Whether the server made the id up: then it is hex digits and a dash, safe to copy anywhere unescaped.
    public var hasGeneratedRequestID: Bool { id.isGenerated }

    /// Appends the id's bytes, without making a `String` of it: for an access line.
    public func appendRequestID(to bytes: inout ByteWriter) { id.append(to: &bytes) }
    let id: RequestID
    public let method: String
    public let path: String
    /// The route pattern that matched (`/api/notes/{id}`), or nil when none did.
    public let route: String?
    public let status: Int
    public let bodyBytes: Int
    /// From the request's first byte to its response being queued.
    public let nanoseconds: Int64
    public let remote: String

    public init(
        requestID: String, method: String, path: String, route: String?, status: Int, bodyBytes: Int,
        duration: Duration, remote: String
    ) {
        let (seconds, attoseconds) = duration.components
        // Saturated rather than trapping on a duration of centuries.
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self.init(
            id: RequestID(requestID), method: method, path: path, route: route, status: status, bodyBytes: bodyBytes,
            nanoseconds: overflow ? .max : whole &+ attoseconds / 1_000_000_000, remote: remote)
    }

    /// As the server makes them: the time in nanoseconds, so that no request pays for `Duration`'s 128-bit
    /// arithmetic.
    init(
        id: RequestID, method: String, path: String, route: String?, status: Int, bodyBytes: Int, nanoseconds: Int64,
        remote: String
    ) {
        self.id = id
        self.method = method
        self.path = path
        self.route = route
        self.status = status
        self.bodyBytes = bodyBytes
        self.nanoseconds = nanoseconds
        self.remote = remote
    }

    public var duration: Duration { .nanoseconds(nanoseconds) }

    public var seconds: Double { Double(nanoseconds) / 1_000_000_000 }
}

public typealias RequestObserver = @Sendable (RequestRecord) -> Void
