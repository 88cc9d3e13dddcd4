import HTTPServer

/// The server's limits and timeouts, each set by its own variable (`SettingsTable`). The defaults are the HTTP
/// server's own (`HTTPLimits`, `HTTPTimeouts`, `ServerConfiguration`): the numbers live there and nowhere else.
public struct ServerSettings: Sendable, Equatable {
    public var limits = HTTPLimits()
    public var timeouts = HTTPTimeouts()
    public var maxConnections = ServerConfiguration.defaultMaxConnections
    public var maxPendingOutputBytes = ServerConfiguration.defaultMaxPendingOutputBytes
    public var maxBufferedBytes = ServerConfiguration.defaultMaxBufferedBytes
    /// What set `maxBufferedBytes`, for the startup line: the variable, the container's memory limit, or the
    /// server's default.
    public var maxBufferedBytesSource = "default"
    public var shutdownGrace = Duration.seconds(10)
    /// After SIGTERM, how long to go on accepting and serving (with `/readyz` 503) before draining.
    public var shutdownDelay = Duration.zero
    /// Nil: one per CPU the process may use.
    public var eventLoops: Int?

    public init() {}

    private static let mebibyte = 1024 * 1024

    /// With a container memory limit, a quarter of it: the budget's bytes are only part of what the process
    /// holds for its clients (allocator overhead, the connections themselves, the handlers' own work), and the
    /// rest of the limit is for all of that and the process itself. 800 clients each sending a 1 MiB body to a
    /// slow route then stay under a 128 MiB limit.
    static func defaultBufferBudget(memory: MemoryLimit?, floor: Int) -> (bytes: Int, source: String) {
        let standard = ServerConfiguration.defaultMaxBufferedBytes
        guard let memory, memory.bytes / 4 < standard else { return (standard, "default") }
        return (max(floor, memory.bytes / 4), "a quarter of \(memory)")
    }

    /// How many event loops, and why: `EVENT_LOOPS`, or the CPUs this process may use.
    public var eventLoopAllowance: CPUAllowance {
        eventLoops.map { CPUAllowance(count: $0, reason: SettingsTable.eventLoops.name) } ?? .detect()
    }

    /// The management listener: one event loop, a few connections of its own, no request bodies, and little
    /// memory. Its probes answer in microseconds; 16 slots hold every orchestrator and scraper there is.
    public static func managementConfiguration(address: SocketAddress) -> ServerConfiguration {
        var configuration = ServerConfiguration(address: address)
        configuration.eventLoopCount = 1
        configuration.maxConnections = 16
        configuration.limits.maxBodyBytes = 0
        configuration.maxBufferedBytes = mebibyte
        configuration.backlog = 64
        return configuration
    }

    /// A server configuration for `address` with these limits.
    public func serverConfiguration(address: SocketAddress) -> ServerConfiguration {
        var configuration = ServerConfiguration(address: address)
        configuration.limits = limits
        configuration.timeouts = timeouts
        configuration.maxConnections = maxConnections
        configuration.maxPendingOutputBytes = maxPendingOutputBytes
        configuration.maxBufferedBytes = maxBufferedBytes
        configuration.eventLoopCount = eventLoopAllowance.count
        return configuration
    }
}
