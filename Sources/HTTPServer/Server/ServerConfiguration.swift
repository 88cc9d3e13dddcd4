import Glibc

/// How long the server waits for a client before giving up on it.
public struct HTTPTimeouts: Sendable, Equatable {
    /// An open connection with no request in progress (also one that never sends a byte).
    public var idle: Duration = .seconds(5)
    /// From the first byte of a request to the end of its header section (408 beyond it).
    public var header: Duration = .seconds(10)
    /// Between two reads of a request body (408 beyond it).
    public var body: Duration = .seconds(10)
    /// A body must keep arriving at this average rate, in bytes per second, once `bodyRateGrace` has passed
    /// (the idea of Apache's `mod_reqtimeout` MinRate): each byte received buys `1 / rate` seconds more.
    /// Slower, it is answered 408. Zero turns the rule off.
    public var bodyMinimumRate = 1024
    public var bodyRateGrace: Duration = .seconds(10)
    /// From the end of a request's head to the end of its body, whatever the rate (408 beyond it).
    public var bodyDeadline: Duration = .seconds(120)
    /// Between two writes that make progress while a response is queued.
    public var write: Duration = .seconds(10)

    public init() {}
}

/// Everything the server needs to know, fixed before it starts.
public struct ServerConfiguration: Sendable {
    public var address: SocketAddress
    public var limits = HTTPLimits()
    public var timeouts = HTTPTimeouts()
    /// Open connections beyond this get a 503 and are closed at once.
    public var maxConnections = defaultMaxConnections
    /// Queued response bytes beyond which the server stops reading a connection's requests.
    public var maxPendingOutputBytes = defaultMaxPendingOutputBytes
    /// Bytes held for all connections together: requests being received (bodies included), requests handed
    /// to a handler, and responses waiting for clients to read them. Each connection may hold
    /// `BufferBudget.allowance` regardless; beyond that it draws on what is left of this, and when nothing is,
    /// it stops reading (its client waits, and the body timeouts close it if it waits too long).
    public var maxBufferedBytes = defaultMaxBufferedBytes
    /// One event loop per CPU this process may use (see `CPUAllowance`).
    public var eventLoopCount = CPUAllowance.detect().count
    public var backlog: Int32 = 1024

    public static let defaultMaxConnections = 1024
    public static let defaultMaxPendingOutputBytes = 1024 * 1024
    public static let defaultMaxBufferedBytes = 64 * 1024 * 1024

    public init(address: SocketAddress) {
        self.address = address
    }
}

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
