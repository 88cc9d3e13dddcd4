import HTTPServer

/// Every environment variable the app reads, one row each, in the order `app --help` lists them and loading
/// applies them. Loading (`AppConfig.load`), `app --help`, `app --version`, the error lines and the test that
/// holds docs/configuration.md's tables to this list all come from here; the defaults are `AppConfig()`'s.
enum SettingsTable {
    static let port = ConfigRow.value(
        "PORT", at: \.port, defaultText: "8000", accepted: "an integer from 0 to 65535 (0 picks a free port)",
        example: "8080"
    ) { text in Int(text).flatMap { (0...65535).contains($0) ? $0 : nil } }

    /// Unset: probes and metrics are served on PORT only. Never PORT itself: the second bind would fail, after
    /// the first listener had started.
    static let managementPort: ConfigRow = {
        let variable = ConfigVariable(
            name: "MANAGEMENT_PORT", defaultText: "unset (the image sets 9000)",
            accepted: "an integer from 0 to 65535 (0 picks a free port), not PORT",
            help: "a second listener with its own few connections, for /livez, /readyz, /health and /metrics only",
            isSecret: false)
        return ConfigRow(variable: variable, example: "9000") { text, config, _ throws(ConfigError) in
            guard let text else { return }
            guard let port = Int(text), (0...65535).contains(port) else { throw variable.refusal(of: text) }
            if port != 0, port == config.port {
                throw ConfigError(variable.name, value: text, accepted: variable.accepted + " (\(config.port))")
            }
            config.managementPort = port
        }
    }()

    static let host = ConfigRow.value(
        "HOST", at: \.host, defaultText: "0.0.0.0",
        accepted: "an IPv4 or IPv6 address literal, such as 0.0.0.0, 127.0.0.1 or ::", example: "127.0.0.1"
    ) { SocketAddress.isIPLiteral($0) ? $0 : nil }

    static let environment = ConfigRow.value(
        "APP_ENV", at: \.environment, defaultText: "development",
        accepted: "1 to 32 of a-z, 0-9, _ and - (development, test, staging, production are the usual)",
        example: "production"
    ) { isEnvironmentName($0) ? $0 : nil }

    static let logLevel = ConfigRow.value(
        "LOG_LEVEL", at: \.logLevel, defaultText: "DEBUG in development, INFO otherwise",
        accepted: "DEBUG, INFO, WARNING, ERROR or CRITICAL, in any case", example: "error",
        defaultFrom: { config, _ in .defaultFor(environment: config.environment) }, parse: LogLevel.init(name:))

    static let logFormat = ConfigRow.value(
        "LOG_FORMAT", at: \.logFormat, defaultText: "json in production and staging, text otherwise",
        accepted: "json or text, in any case", example: "json",
        defaultFrom: { config, _ in .defaultFor(environment: config.environment) }, parse: LogFormat.init(name:))

    /// Parsed by `DatabaseURL(parsing:variable:)`, whose errors say what is wrong without showing the password.
    static let databaseURL: ConfigRow = {
        let variable = ConfigVariable(
            name: "DATABASE_URL", defaultText: "sqlite:///:memory:", accepted: DatabaseURL.accepted,
            help: "where notes are kept", isSecret: true)
        return ConfigRow(variable: variable, example: "sqlite:///notes.db") { text, config, _ throws(ConfigError) in
            if let text { config.database = try DatabaseURL(parsing: text, variable: variable.name) }
        }
    }()

    static let databaseTimeout = ConfigRow.seconds(
        "DATABASE_TIMEOUT_SECONDS", at: \.databaseTimeout, in: 0.1...300,
        help: "a request's whole wait on the database; 503 beyond", example: "2.5")

    static let secretKey = ConfigRow.value(
        "SECRET_KEY", at: \.secretKey, defaultText: "unset", accepted: "at least 16 characters",
        help: "bearer token of POST /admin/health", isSecret: true, example: "a-key-of-16-characters"
    ) { text -> String?? in text.count >= 16 ? .some(text) : .none }

    static let gitSHA = ConfigRow.freeText(
        "GIT_SHA", at: \.gitSHA, help: "the commit, shown by /version", example: "3f2c1ab")
    static let version: ConfigRow = {
        let variable = ConfigVariable(
            name: "APP_VERSION", defaultText: AppConfig().version, accepted: "free text", help: "", isSecret: false)
        return ConfigRow(variable: variable, example: "1.4.2") { text, config, _ throws(ConfigError) in
            if let text, !text.isEmpty { config.version = text }
        }
    }()
    static let buildTime = ConfigRow.freeText(
        "BUILD_TIME", at: \.buildTime, help: "shown by /version", example: "2026-12-05T10:00:00Z")

    static let eventLoops = ConfigRow.value(
        "EVENT_LOOPS", at: \.server.eventLoops, defaultText: "one per CPU the process may use",
        accepted: "an integer from 1 to 256",
        help: "CPUs are counted from the affinity mask and the cgroup CPU quota (docker --cpus)", example: "3"
    ) { text -> Int?? in
        guard let count = Int(text), (1...256).contains(count) else { return .none }
        return .some(count)
    }

    // The server's limits and timeouts; their defaults are the HTTP server's own, through `ServerSettings()`.
    private static let mebibyte = 1024 * 1024

    static let maxHeaderBytes = ConfigRow.integer(
        "MAX_HEADER_BYTES", at: \.server.limits.maxHeaderBytes, in: 1024...mebibyte,
        help: "request line and headers; 431 beyond", example: "32768")
    static let maxURIBytes = ConfigRow.integer(
        "MAX_URI_BYTES", at: \.server.limits.maxTargetBytes, in: 256...mebibyte, help: "request target; 414 beyond",
        example: "4096")
    static let maxHeaderCount = ConfigRow.integer(
        "MAX_HEADER_COUNT", at: \.server.limits.maxHeaderCount, in: 1...10_000, help: "431 beyond", example: "50")
    static let maxBodyBytes = ConfigRow.integer(
        "MAX_BODY_BYTES", at: \.server.limits.maxBodyBytes, in: 0...(1024 * mebibyte), help: "413 beyond",
        example: "65536")
    static let maxConnections = ConfigRow.integer(
        "MAX_CONNECTIONS", at: \.server.maxConnections, in: 1...1_000_000,
        help: "the least useful connection is closed to make room; 503 when none can be", example: "64")
    static let maxPendingOutputBytes = ConfigRow.integer(
        "MAX_PENDING_OUTPUT_BYTES", at: \.server.maxPendingOutputBytes, in: (64 * 1024)...(1024 * mebibyte),
        help: "unread responses before reading stops", example: "131072")
    static let headerTimeout = ConfigRow.seconds(
        "HEADER_TIMEOUT_SECONDS", at: \.server.timeouts.header, in: 0.1...3600, help: "408 beyond", example: "3")
    static let bodyTimeout = ConfigRow.seconds(
        "BODY_TIMEOUT_SECONDS", at: \.server.timeouts.body, in: 0.1...3600, help: "408 when a body stalls",
        example: "3")
    static let bodyMinimumRate = ConfigRow.integer(
        "BODY_MIN_RATE_BYTES_PER_SECOND", at: \.server.timeouts.bodyMinimumRate, in: 0...(1024 * mebibyte),
        help: "after the grace, each byte buys 1/rate s; 0: off", example: "0")
    static let bodyRateGrace = ConfigRow.seconds(
        "BODY_RATE_GRACE_SECONDS", at: \.server.timeouts.bodyRateGrace, in: 0.1...3600,
        help: "time a body has before its rate counts", example: "2")
    static let bodyDeadline = ConfigRow.seconds(
        "BODY_DEADLINE_SECONDS", at: \.server.timeouts.bodyDeadline, in: 0.1...3600,
        help: "a whole body, however fast; 408 beyond", example: "30")

    /// At least twice MAX_BODY_BYTES (read before it): a budget smaller than one body would leave that body
    /// waiting forever, and one overdraft (a whole body past a spent budget) must fit beside the connections'
    /// allowances. Unset, it follows the container's memory limit (`ServerSettings.defaultBufferBudget`).
    static let maxBufferedBytes: ConfigRow = {
        let variable = ConfigVariable(
            name: "MAX_BUFFERED_BYTES",
            defaultText: "67108864, or a quarter of the container's memory limit when that is less",
            accepted: "an integer from 1048576 to 68719476736",
            help: "all connections together; at least twice MAX_BODY_BYTES",
            isSecret: false)
        return ConfigRow(variable: variable, example: "33554432") { text, config, context throws(ConfigError) in
            let floor = max(mebibyte, 2 * config.server.limits.maxBodyBytes)
            guard let text else {
                let derived = ServerSettings.defaultBufferBudget(memory: context.memoryLimit, floor: floor)
                config.server.maxBufferedBytes = derived.bytes
                config.server.maxBufferedBytesSource = derived.source
                return
            }
            let range = floor...(64 * 1024 * mebibyte)
            guard let bytes = Int(text), range.contains(bytes) else {
                throw ConfigError(
                    variable.name, value: text,
                    accepted: "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            config.server.maxBufferedBytes = bytes
            config.server.maxBufferedBytesSource = variable.name
        }
    }()

    static let idleTimeout = ConfigRow.seconds(
        "IDLE_TIMEOUT_SECONDS", at: \.server.timeouts.idle, in: 0.1...3600,
        help: "idle keep-alive connections close", example: "2")
    static let writeTimeout = ConfigRow.seconds(
        "WRITE_TIMEOUT_SECONDS", at: \.server.timeouts.write, in: 0.1...3600,
        help: "a client that stops reading is closed", example: "3")
    static let shutdownGrace = ConfigRow.seconds(
        "SHUTDOWN_GRACE_SECONDS", at: \.server.shutdownGrace, in: 0...3600,
        help: "time for in-flight requests after SIGTERM", example: "30")
    static let shutdownDelay = ConfigRow.seconds(
        "SHUTDOWN_DELAY_SECONDS", at: \.server.shutdownDelay, in: 0...3600,
        help: "after SIGTERM, keep serving this long with /readyz 503 before draining", example: "5")

    static let all: [ConfigRow] = [
        port, managementPort, host, environment, logLevel, logFormat, databaseURL, databaseTimeout, secretKey,
        gitSHA, version, buildTime, eventLoops, maxHeaderBytes, maxURIBytes, maxHeaderCount, maxBodyBytes,
        maxConnections, maxPendingOutputBytes, headerTimeout, bodyTimeout, bodyMinimumRate, bodyRateGrace,
        bodyDeadline, maxBufferedBytes, idleTimeout, writeTimeout, shutdownGrace, shutdownDelay,
    ]

    private static func isEnvironmentName(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
