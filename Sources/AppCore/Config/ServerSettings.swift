import HTTPServer

/// The server's limits and timeouts, each set by its own variable. The defaults are the HTTP server's own
/// (`HTTPLimits`, `HTTPTimeouts`, `ServerConfiguration`): the numbers live there and nowhere else.
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
    private static let limits = HTTPLimits()
    private static let timeouts = HTTPTimeouts()

    static let maxHeaderBytes = Setting.integer(
        "MAX_HEADER_BYTES", default: limits.maxHeaderBytes, in: 1024...mebibyte,
        help: "request line and headers; 431 beyond")
    static let maxURIBytes = Setting.integer(
        "MAX_URI_BYTES", default: limits.maxTargetBytes, in: 256...mebibyte, help: "request target; 414 beyond")
    static let maxHeaderCount = Setting.integer(
        "MAX_HEADER_COUNT", default: limits.maxHeaderCount, in: 1...10_000, help: "431 beyond")
    static let maxBodyBytes = Setting.integer(
        "MAX_BODY_BYTES", default: limits.maxBodyBytes, in: 0...(1024 * mebibyte), help: "413 beyond")
    static let maxConnections = Setting.integer(
        "MAX_CONNECTIONS", default: ServerConfiguration.defaultMaxConnections, in: 1...1_000_000,
        help: "the least useful connection is closed to make room; 503 when none can be")
    static let maxPendingOutputBytes = Setting.integer(
        "MAX_PENDING_OUTPUT_BYTES", default: ServerConfiguration.defaultMaxPendingOutputBytes,
        in: (64 * 1024)...(1024 * mebibyte), help: "unread responses before reading stops")
    static let headerTimeout = Setting.seconds(
        "HEADER_TIMEOUT_SECONDS", default: timeouts.header, in: 0.1...3600, help: "408 beyond")
    static let bodyTimeout = Setting.seconds(
        "BODY_TIMEOUT_SECONDS", default: timeouts.body, in: 0.1...3600, help: "408 when a body stalls")
    static let bodyMinimumRate = Setting.integer(
        "BODY_MIN_RATE_BYTES_PER_SECOND", default: timeouts.bodyMinimumRate, in: 0...(1024 * mebibyte),
        help: "after the grace, each byte buys 1/rate s; 0: off")
    static let bodyRateGrace = Setting.seconds(
        "BODY_RATE_GRACE_SECONDS", default: timeouts.bodyRateGrace, in: 0.1...3600,
        help: "time a body has before its rate counts")
    static let bodyDeadline = Setting.seconds(
        "BODY_DEADLINE_SECONDS", default: timeouts.bodyDeadline, in: 0.1...3600,
        help: "a whole body, however fast; 408 beyond")
    /// At least twice MAX_BODY_BYTES: a budget smaller than one body would leave that body waiting forever, and
    /// one overdraft (a whole body past a spent budget) must fit beside the connections' allowances.
    static let maxBufferedBytes = Setting(
        "MAX_BUFFERED_BYTES", default: ServerConfiguration.defaultMaxBufferedBytes,
        defaultText: "67108864, or a quarter of the container's memory limit when that is less",
        accepted: "an integer from 1048576 to 68719476736",
        help: "all connections together; at least twice MAX_BODY_BYTES"
    ) { text in Int(text).flatMap { (mebibyte...(64 * 1024 * mebibyte)).contains($0) ? $0 : nil } }

    /// With a container memory limit, a quarter of it: the budget's bytes are only part of what the process
    /// holds for its clients (allocator overhead, the connections themselves, the handlers' own work), and the
    /// rest of the limit is for all of that and the process itself. 800 clients each sending a 1 MiB body to a
    /// slow route then stay under a 128 MiB limit.
    static func defaultBufferBudget(memory: MemoryLimit?, floor: Int) -> (bytes: Int, source: String) {
        let standard = ServerConfiguration.defaultMaxBufferedBytes
        guard let memory, memory.bytes / 4 < standard else { return (standard, "default") }
        return (max(floor, memory.bytes / 4), "a quarter of \(memory)")
    }
    static let idleTimeout = Setting.seconds(
        "IDLE_TIMEOUT_SECONDS", default: timeouts.idle, in: 0.1...3600, help: "idle keep-alive connections close")
    static let writeTimeout = Setting.seconds(
        "WRITE_TIMEOUT_SECONDS", default: timeouts.write, in: 0.1...3600,
        help: "a client that stops reading is closed")
    static let shutdownGrace = Setting.seconds(
        "SHUTDOWN_GRACE_SECONDS", default: .seconds(10), in: 0...3600,
        help: "time for in-flight requests after SIGTERM")
    static let shutdownDelay = Setting.seconds(
        "SHUTDOWN_DELAY_SECONDS", default: .zero, in: 0...3600,
        help: "after SIGTERM, keep serving this long with /readyz 503 before draining")

    static let all: [ConfigVariable] = [
        maxHeaderBytes.variable, maxURIBytes.variable, maxHeaderCount.variable, maxBodyBytes.variable,
        maxConnections.variable, maxPendingOutputBytes.variable, headerTimeout.variable, bodyTimeout.variable,
        bodyMinimumRate.variable, bodyRateGrace.variable, bodyDeadline.variable, maxBufferedBytes.variable,
        idleTimeout.variable, writeTimeout.variable, shutdownGrace.variable, shutdownDelay.variable,
    ]

    static func load(_ reader: EnvironmentReader, memory: MemoryLimit?) throws(ConfigError) -> ServerSettings {
        var settings = ServerSettings()
        settings.limits.maxHeaderBytes = try reader.read(maxHeaderBytes)
        settings.limits.maxTargetBytes = try reader.read(maxURIBytes)
        settings.limits.maxHeaderCount = try reader.read(maxHeaderCount)
        settings.limits.maxBodyBytes = try reader.read(maxBodyBytes)
        settings.maxConnections = try reader.read(maxConnections)
        settings.maxPendingOutputBytes = try reader.read(maxPendingOutputBytes)
        settings.timeouts.header = try reader.read(headerTimeout)
        settings.timeouts.body = try reader.read(bodyTimeout)
        settings.timeouts.bodyMinimumRate = try reader.read(bodyMinimumRate)
        settings.timeouts.bodyRateGrace = try reader.read(bodyRateGrace)
        settings.timeouts.bodyDeadline = try reader.read(bodyDeadline)
        let budgetFloor = max(mebibyte, 2 * settings.limits.maxBodyBytes)
        let derived = defaultBufferBudget(memory: memory, floor: budgetFloor)
        let budget = maxBufferedBytes.narrowed(to: budgetFloor...(64 * 1024 * mebibyte))
        settings.maxBufferedBytes = try reader.read(budget, default: derived.bytes)
        settings.maxBufferedBytesSource = reader.isSet(budget) ? budget.name : derived.source
        settings.timeouts.idle = try reader.read(idleTimeout)
        settings.timeouts.write = try reader.read(writeTimeout)
        settings.shutdownGrace = try reader.read(shutdownGrace)
        settings.shutdownDelay = try reader.read(shutdownDelay)
        settings.eventLoops = try reader.read(AppSettings.eventLoops)
        return settings
    }

    /// How many event loops, and why: `EVENT_LOOPS`, or the CPUs this process may use.
    public var eventLoopAllowance: CPUAllowance {
        eventLoops.map { CPUAllowance(count: $0, reason: "EVENT_LOOPS") } ?? .detect()
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
