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
