import HTTPServer

/// Every environment variable the app reads, described once. Loading (`AppConfig.load`), `app --help`, the
/// error lines and the test that holds docs/configuration.md's tables to this list all come from here.
enum AppSettings {
    static let port = Setting(
        "PORT", default: 8000, defaultText: "8000", accepted: "an integer from 0 to 65535 (0 picks a free port)"
    ) { text in Int(text).flatMap { (0...65535).contains($0) ? $0 : nil } }

    /// Nil: probes and metrics are served on PORT only.
    static let managementPort = Setting<Int?>(
        "MANAGEMENT_PORT", default: nil, defaultText: "unset (the image sets 9000)",
        accepted: "an integer from 0 to 65535 (0 picks a free port), not PORT",
        help: "a second listener with its own few connections, for /livez, /readyz, /health and /metrics only"
    ) { text -> Int?? in
        guard let port = Int(text), (0...65535).contains(port) else { return .none }
        return .some(port)
    }

    static let host = Setting(
        "HOST", default: "0.0.0.0", defaultText: "0.0.0.0",
        accepted: "an IPv4 or IPv6 address literal, such as 0.0.0.0, 127.0.0.1 or ::"
    ) { SocketAddress.isIPLiteral($0) ? $0 : nil }

    static let environment = Setting(
        "APP_ENV", default: "development", defaultText: "development",
        accepted: "1 to 32 of a-z, 0-9, _ and - (development, test, staging, production are the usual)"
    ) { isEnvironmentName($0) ? $0 : nil }

    /// The default depends on APP_ENV: see `LogLevel.defaultFor(environment:)`.
    static let logLevel = Setting(
        "LOG_LEVEL", default: LogLevel.info, defaultText: "DEBUG in development, INFO otherwise",
        accepted: "DEBUG, INFO, WARNING, ERROR or CRITICAL, in any case", parse: LogLevel.init(name:))

    /// The default depends on APP_ENV: see `LogFormat.defaultFor(environment:)`.
    static let logFormat = Setting(
        "LOG_FORMAT", default: LogFormat.text, defaultText: "json in production and staging, text otherwise",
        accepted: "json or text, in any case", parse: LogFormat.init(name:))

    /// Parsed by `DatabaseURL(parsing:)`, whose errors say what is wrong without showing the password.
    static let databaseURL = ConfigVariable(
        name: "DATABASE_URL", defaultText: "sqlite:///:memory:", accepted: DatabaseURL.accepted,
        help: "where notes are kept", isSecret: true)

    static let databaseTimeout = Setting.seconds(
        "DATABASE_TIMEOUT_SECONDS", default: NoteRepository.defaultTimeout, in: 0.1...300,
        help: "a request's whole wait on the database; 503 beyond")

    static let secretKey = Setting<String?>(
        "SECRET_KEY", default: nil, defaultText: "unset", accepted: "at least 16 characters",
        help: "bearer token of POST /admin/health", isSecret: true
    ) { text -> String?? in text.count >= 16 ? .some(text) : .none }

    /// Free text: empty means unset (a Docker build ARG left blank, say).
    static let gitSHA = freeText("GIT_SHA", help: "the commit, shown by /version")
    static let version = ConfigVariable(
        name: "APP_VERSION", defaultText: AppConfig.defaultVersion, accepted: "free text", help: "", isSecret: false)
    static let buildTime = freeText("BUILD_TIME", help: "shown by /version")

    static let eventLoops = Setting<Int?>(
        "EVENT_LOOPS", default: nil, defaultText: "one per CPU the process may use",
        accepted: "an integer from 1 to 256",
        help: "CPUs are counted from the affinity mask and the cgroup CPU quota (docker --cpus)"
    ) { text -> Int?? in
        guard let count = Int(text), (1...256).contains(count) else { return .none }
        return .some(count)
    }

    static let all: [ConfigVariable] =
        [
            port.variable, managementPort.variable, host.variable, environment.variable, logLevel.variable,
            logFormat.variable, databaseURL, databaseTimeout.variable, secretKey.variable, gitSHA, version,
            buildTime, eventLoops.variable,
        ] + ServerSettings.all

    private static func freeText(_ name: String, help: String) -> ConfigVariable {
        ConfigVariable(name: name, defaultText: "unset", accepted: "free text", help: help, isSecret: false)
    }

    private static func isEnvironmentName(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
