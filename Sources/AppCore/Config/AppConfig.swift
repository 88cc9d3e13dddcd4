import HTTPServer

/// An environment variable as documented: its name, its default and what it accepts.
public typealias ConfigVariable = (name: String, defaultValue: String, accepted: String)

/// The app's whole configuration, read once from the environment and validated before anything starts.
public struct AppConfig: Sendable, Equatable {
    public var port: Int
    public var host: String
    public var environment: String
    public var logLevel: LogLevel
    public var logFormat: LogFormat
    public var database: DatabaseURL
    /// The most any request waits on the database, all told (`DATABASE_TIMEOUT_SECONDS`).
    public var databaseTimeout: Duration
    /// Never logged, never returned by any route.
    public var secretKey: String?
    public var gitSHA: String?
    public var version: String
    public var buildTime: String?
    public var server: ServerSettings

    public static let defaultVersion = "1.0.0"
    public static let defaultDatabaseTimeout = Duration.seconds(5)

    /// Every variable the app reads, with its default and what it accepts (shown by `app --help`).
    public static let variables: [ConfigVariable] = appVariables + ServerSettings.variables

    private static let appVariables: [ConfigVariable] = [
        ("PORT", "8000", portAccepted),
        ("HOST", "0.0.0.0", hostAccepted),
        ("APP_ENV", "development", environmentAccepted),
        ("LOG_LEVEL", "DEBUG in development, INFO otherwise", logLevelAccepted),
        ("LOG_FORMAT", "json in production and staging, text otherwise", logFormatAccepted),
        ("DATABASE_URL", "sqlite:///:memory:", DatabaseURL.accepted),
        ("DATABASE_TIMEOUT_SECONDS", "5", databaseTimeoutAccepted),
        ("SECRET_KEY", "unset", secretAccepted),
        ("GIT_SHA", "unset", "free text"),
        ("APP_VERSION", defaultVersion, "free text"),
        ("BUILD_TIME", "unset", "free text"),
    ]

    static let portAccepted = "an integer from 0 to 65535 (0 picks a free port)"
    static let hostAccepted = "an IPv4 or IPv6 address literal, such as 0.0.0.0, 127.0.0.1 or ::"
    static let environmentAccepted =
        "1 to 32 of a-z, 0-9, _ and - (development, test, staging, production are the usual)"
    static let logLevelAccepted = "DEBUG, INFO, WARNING, ERROR or CRITICAL, in any case"
    static let logFormatAccepted = "json or text, in any case"
    static let secretAccepted = "at least 16 characters"
    static let databaseTimeoutAccepted =
        "a number of seconds from 0.1 to 300, such as 5 or 0.5 (a request's whole wait on the database; 503 beyond)"

    /// Reads the variables from `environment`; unset ones take their defaults.
    public static func load(from environment: [String: String]) throws(ConfigError) -> AppConfig {
        let reader = EnvironmentReader(environment)
        let appEnvironment = try reader.value("APP_ENV", default: "development", accepted: environmentAccepted) {
            isEnvironmentName($0) ? $0 : nil
        }
        let defaultLevel: LogLevel = appEnvironment == "development" ? .debug : .info
        return AppConfig(
            port: try reader.value("PORT", default: 8000, accepted: portAccepted) { text in
                Int(text).flatMap { (0...65535).contains($0) ? $0 : nil }
            },
            host: try reader.value("HOST", default: "0.0.0.0", accepted: hostAccepted) {
                SocketAddress.isIPLiteral($0) ? $0 : nil
            },
            environment: appEnvironment,
            logLevel: try reader.value("LOG_LEVEL", default: defaultLevel, accepted: logLevelAccepted) {
                LogLevel(name: $0)
            },
            logFormat: try reader.value(
                "LOG_FORMAT", default: LogFormat.defaultFor(environment: appEnvironment), accepted: logFormatAccepted
            ) { LogFormat(name: $0) },
            database: try reader.databaseURL(),
            databaseTimeout: try reader.seconds(
                "DATABASE_TIMEOUT_SECONDS", defaultDatabaseTimeout.inSeconds, in: 0.1...300),
            secretKey: try reader.secret("SECRET_KEY", minimumLength: 16),
            gitSHA: reader.freeText("GIT_SHA"),
            version: reader.freeText("APP_VERSION") ?? defaultVersion,
            buildTime: reader.freeText("BUILD_TIME"),
            server: try ServerSettings.load(reader)
        )
    }

    private static func isEnvironmentName(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    /// The address to listen on. Valid by construction: `host` and `port` were checked when loaded.
    public var listenAddress: SocketAddress? {
        SocketAddress(host: host, port: port)
    }
}

/// Looks variables up and turns each into a typed value or a `ConfigError` naming it.
struct EnvironmentReader {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// An unset variable takes `defaultValue`; a set one must parse, and an empty one is an error,
    /// since `-e PORT=` usually means a substitution that went wrong.
    func value<Value>(
        _ name: String, default defaultValue: Value, accepted: String, parse: (String) -> Value?
    ) throws(ConfigError) -> Value {
        guard let text = environment[name] else { return defaultValue }
        guard let value = parse(text) else { throw ConfigError(name, value: text, accepted: accepted) }
        return value
    }

    func databaseURL() throws(ConfigError) -> DatabaseURL {
        guard let text = environment["DATABASE_URL"] else { return .sqliteMemory }
        return try DatabaseURL(parsing: text)
    }

    func secret(_ name: String, minimumLength: Int) throws(ConfigError) -> String? {
        guard let text = environment[name] else { return nil }
        guard text.count >= minimumLength else {
            throw ConfigError(
                name, hiddenValue: "(hidden, \(text.count) characters)",
                accepted: "at least \(minimumLength) characters")
        }
        return text
    }

    /// Free text where an empty value means unset (a Docker build ARG left blank, say).
    func freeText(_ name: String) -> String? {
        guard let text = environment[name], !text.isEmpty else { return nil }
        return text
    }
}
