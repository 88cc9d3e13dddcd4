import TextEscaping

/// What the server tells its owner about each answered request (for access logs and metrics). It holds the
/// request itself, one reference, rather than copies of its parts: the method, path and id become text only
/// when read.
public struct RequestRecord: Sendable {
    let request: Request

    /// The request's `X-Request-ID`: the client's when valid, otherwise one the server made up.
    public var requestID: String { request.id }

    /// Whether the server made the id up: then it is hex digits and a dash, safe to copy anywhere unescaped.
    public var hasGeneratedRequestID: Bool { request.requestID.isGenerated }

    /// Appends the id's bytes, without making a `String` of it: for an access line.
    public func appendRequestID(to bytes: inout ByteWriter) { request.requestID.append(to: &bytes) }

    public var method: String { request.method }
    public var path: String { request.path }

    /// Lends the path's bytes where the request holds them, without making a `String`: for an access line.
    public func withPath(_ body: (UnsafeBufferPointer<UInt8>) -> Void) { request.withPathBytes(body) }
    /// The route pattern that matched (`/api/notes/{id}`), or nil when none did.
    public let route: String?
    public let status: Int
    public let bodyBytes: Int
    /// From the request's first byte to its response being queued.
    public let nanoseconds: Int64
    public var remote: String { request.remoteAddress }

    public init(
        requestID: String, method: String, path: String, route: String?, status: Int, bodyBytes: Int,
        duration: Duration, remote: String
    ) {
        var request = Request(method: method, target: path, path: path)
        request.id = requestID
        request.remoteAddress = remote
        let (seconds, attoseconds) = duration.components
        // Saturated rather than trapping on a duration of centuries.
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self.init(
            request: request, route: route, status: status, bodyBytes: bodyBytes,
            nanoseconds: overflow ? .max : whole &+ attoseconds / 1_000_000_000)
    }

    /// As the server makes them: the time in nanoseconds, so that no request pays for `Duration`'s 128-bit
    /// arithmetic.
    init(request: Request, route: String?, status: Int, bodyBytes: Int, nanoseconds: Int64) {
        self.request = request
        self.route = route
        self.status = status
        self.bodyBytes = bodyBytes
        self.nanoseconds = nanoseconds
    }

    public var duration: Duration { .nanoseconds(nanoseconds) }

    public var seconds: Double { Double(nanoseconds) / 1_000_000_000 }
}

public typealias RequestObserver = @Sendable (RequestRecord) -> Void
