/// The bytes every connection of a server holds, against one limit for the whole process. Without it, each
/// connection's own limits multiply by the number of connections: 800 clients each holding a 1 MiB partial
/// body cost 800 MiB.
struct BufferBudget: Sendable {
    /// What any one connection may hold whatever the others hold, so a small request is never kept waiting
    /// by large ones: the big holders are the ones that wait.
    static let allowance = 32 * 1024

    let limit: Int
    /// Keeps the count, so that it can be read as a metric.
    private let statistics: ServerStatistics

    init(limit: Int, statistics: ServerStatistics) {
        self.limit = limit
        self.statistics = statistics
    }

    var hasRoom: Bool { statistics.bytesBuffered < limit }

    func change(by delta: Int) {
        statistics.changeBytesBuffered(by: delta)
    }

    /// How many more bytes a connection that holds `own` may take now; 0 means it waits.
    func room(holding own: Int) -> Int {
        max(Self.allowance - own, limit - statistics.bytesBuffered, 0)
    }
}
