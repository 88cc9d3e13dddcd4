/// The bytes every connection of a server holds, against one limit for the whole process. Without it, each
/// connection's own limits multiply by the number of connections: 800 clients each holding a 1 MiB partial
/// body cost 800 MiB.
///
/// The limit is split three ways, so that nothing is held beyond it:
/// - every connection's allowance, which it may hold whatever the others hold, so that a small request is
///   never kept waiting by large ones (the big holders are the ones that wait);
/// - a few overdrafts, each one request whole, for bodies that arrived half-way into a spent budget: without
///   them two large bodies that each got half the room would wait for each other until both timed out;
/// - the shared part, which connections draw on beyond their allowance, first come first served.
struct BufferBudget: Sendable {
    /// The largest allowance: enough for a request head, or a piece of a streamed answer.
    static let maxAllowance = 32 * 1024

    let limit: Int
    let allowance: Int
    /// What one overdraft may take: a whole request and one read past it.
    let overdraftBytes: Int
    let overdraftCount: Int
    let shared: Int
    /// Keeps the count, so that it can be read as a metric.
    private let statistics: ServerStatistics

    /// Allowances take at most a quarter of the limit (32 KiB each at most), overdrafts one per event loop if
    /// they fit in what is left (one at least: `limit` is at least twice the largest body, as the settings check).
    init(
        limit: Int, maxConnections: Int, eventLoops: Int, limits: HTTPLimits, readSize: Int,
        statistics: ServerStatistics
    ) {
        self.limit = limit
        self.statistics = statistics
        allowance = min(Self.maxAllowance, limit / 4 / max(1, maxConnections))
        let afterAllowances = limit - allowance * max(1, maxConnections)
        overdraftBytes = limits.maxBodyBytes + limits.maxHeaderBytes + readSize
        overdraftCount = max(1, min(eventLoops, afterAllowances / overdraftBytes))
        shared = max(0, afterAllowances - overdraftCount * overdraftBytes)
    }

    /// Whether the shared part has room left.
    var hasRoom: Bool { statistics.bytesBuffered < shared }

    func change(by delta: Int) {
        statistics.changeBytesBuffered(by: delta)
    }

    /// How many more bytes a connection that holds `own` may take now; 0 means it waits. Beyond its allowance,
    /// a connection takes only what leaves the total within the shared part: as every byte past an allowance
    /// was taken so, those bytes never sum to more than the shared part, and the total never passes the limit.
    func room(holding own: Int) -> Int {
        max(allowance - own, shared - statistics.bytesBuffered, 0)
    }

    /// One of the overdrafts, if one is free; give it back with `returnOverdraft`.
    func takeOverdraft() -> Bool { statistics.takeOverdraft(limit: overdraftCount) }

    func returnOverdraft() { statistics.returnOverdraft() }
}
