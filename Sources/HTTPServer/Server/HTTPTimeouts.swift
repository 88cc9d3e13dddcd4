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
