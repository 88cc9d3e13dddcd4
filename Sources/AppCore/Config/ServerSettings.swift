import HTTPServer

/// The server's limits and timeouts, each set by its own variable. The defaults suit a small public service.
public struct ServerSettings: Sendable, Equatable {
    public var limits = HTTPLimits()
    public var timeouts = HTTPTimeouts()
    public var maxConnections = 1024
    public var maxPendingOutputBytes = 1024 * 1024
    public var maxBufferedBytes = 64 * 1024 * 1024
    public var shutdownGrace = Duration.seconds(10)

    public init() {}

    private static let kibibyte = 1024
    private static let mebibyte = 1024 * 1024

    static let variables: [ConfigVariable] = [
        ("MAX_HEADER_BYTES", "16384", "1024 to 1048576 (request line and headers; 431 beyond)"),
        ("MAX_URI_BYTES", "8192", "256 to 1048576 (request target; 414 beyond)"),
        ("MAX_HEADER_COUNT", "100", "1 to 10000 (431 beyond)"),
        ("MAX_BODY_BYTES", "1048576", "0 to 1073741824 (413 beyond)"),
        ("MAX_CONNECTIONS", "1024", "1 to 1000000 (503 beyond)"),
        ("MAX_PENDING_OUTPUT_BYTES", "1048576", "65536 to 1073741824 (unread responses before reading stops)"),
        ("HEADER_TIMEOUT_SECONDS", "10", "0.1 to 3600 (408 beyond)"),
        ("BODY_TIMEOUT_SECONDS", "10", "0.1 to 3600 (408 when a body stalls)"),
        (
            "BODY_MIN_RATE_BYTES_PER_SECOND", "1024",
            "0 to 1073741824 (after the grace, each byte buys 1/rate s; 0: off)"
        ),
        ("BODY_RATE_GRACE_SECONDS", "10", "0.1 to 3600 (time a body has before its rate counts)"),
        ("BODY_DEADLINE_SECONDS", "120", "0.1 to 3600 (a whole body, however fast; 408 beyond)"),
        ("MAX_BUFFERED_BYTES", "67108864", "1048576 to 68719476736, and at least MAX_BODY_BYTES (all connections)"),
        ("IDLE_TIMEOUT_SECONDS", "5", "0.1 to 3600 (idle keep-alive connections close)"),
        ("WRITE_TIMEOUT_SECONDS", "10", "0.1 to 3600 (a client that stops reading is closed)"),
        ("SHUTDOWN_GRACE_SECONDS", "10", "0 to 3600 (time for in-flight requests after SIGTERM)"),
    ]

    static func load(_ reader: EnvironmentReader) throws(ConfigError) -> ServerSettings {
        var settings = ServerSettings()
        settings.limits.maxHeaderBytes = try reader.integer("MAX_HEADER_BYTES", 16 * kibibyte, in: kibibyte...mebibyte)
        settings.limits.maxTargetBytes = try reader.integer("MAX_URI_BYTES", 8 * kibibyte, in: 256...mebibyte)
        settings.limits.maxHeaderCount = try reader.integer("MAX_HEADER_COUNT", 100, in: 1...10_000)
        settings.limits.maxBodyBytes = try reader.integer("MAX_BODY_BYTES", mebibyte, in: 0...(1024 * mebibyte))
        settings.maxConnections = try reader.integer("MAX_CONNECTIONS", 1024, in: 1...1_000_000)
        settings.maxPendingOutputBytes = try reader.integer(
            "MAX_PENDING_OUTPUT_BYTES", mebibyte, in: (64 * kibibyte)...(1024 * mebibyte))
        settings.timeouts.header = try reader.seconds("HEADER_TIMEOUT_SECONDS", 10, in: 0.1...3600)
        settings.timeouts.body = try reader.seconds("BODY_TIMEOUT_SECONDS", 10, in: 0.1...3600)
        settings.timeouts.bodyMinimumRate = try reader.integer(
            "BODY_MIN_RATE_BYTES_PER_SECOND", 1024, in: 0...(1024 * mebibyte))
        settings.timeouts.bodyRateGrace = try reader.seconds("BODY_RATE_GRACE_SECONDS", 10, in: 0.1...3600)
        settings.timeouts.bodyDeadline = try reader.seconds("BODY_DEADLINE_SECONDS", 120, in: 0.1...3600)
        settings.maxBufferedBytes = try reader.integer(
            "MAX_BUFFERED_BYTES", 64 * mebibyte,
            in: max(mebibyte, settings.limits.maxBodyBytes)...(64 * 1024 * mebibyte))
        settings.timeouts.idle = try reader.seconds("IDLE_TIMEOUT_SECONDS", 5, in: 0.1...3600)
        settings.timeouts.write = try reader.seconds("WRITE_TIMEOUT_SECONDS", 10, in: 0.1...3600)
        settings.shutdownGrace = try reader.seconds("SHUTDOWN_GRACE_SECONDS", 10, in: 0...3600)
        return settings
    }

    /// A server configuration for `address` with these limits.
    public func serverConfiguration(address: SocketAddress) -> ServerConfiguration {
        var configuration = ServerConfiguration(address: address)
        configuration.limits = limits
        configuration.timeouts = timeouts
        configuration.maxConnections = maxConnections
        configuration.maxPendingOutputBytes = maxPendingOutputBytes
        configuration.maxBufferedBytes = maxBufferedBytes
        return configuration
    }
}

extension EnvironmentReader {
    func integer(_ name: String, _ defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        try value(name, default: defaultValue, accepted: "an integer from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    /// Seconds, whole or decimal (`0.5`).
    func seconds(_ name: String, _ defaultValue: Double, in range: ClosedRange<Double>) throws(ConfigError) -> Duration
    {
        let bounds = [range.lowerBound, range.upperBound].map { $0 == $0.rounded() ? String(Int($0)) : String($0) }
        let accepted = "a number of seconds from \(bounds[0]) to \(bounds[1]), such as 5 or 0.5"
        let seconds = try value(name, default: defaultValue, accepted: accepted) { text in
            Double(text).flatMap { $0.isFinite && range.contains($0) && !text.contains("e") ? $0 : nil }
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
