import HTTPServer

/// The app's whole configuration, read once from the environment and validated before anything starts.
public struct AppConfig: Sendable, Equatable {
    public var port: Int
    /// Where the management listener serves the probes and metrics; nil for none.
    public var managementPort: Int?
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

    /// Every variable the app reads, in the order `app --help` lists them.
    public static var variables: [ConfigVariable] { AppSettings.all }

    /// Reads the variables from `environment`; unset ones take their defaults, which for the buffer budget
    /// depend on the container's `memoryLimit`.
    public static func load(
        from environment: [String: String], memoryLimit: MemoryLimit? = MemoryLimit.detect()
    ) throws(ConfigError) -> AppConfig {
        let reader = EnvironmentReader(environment)
        let appEnvironment = try reader.read(AppSettings.environment)
        let port = try reader.read(AppSettings.port)
        let managementPort = try reader.read(AppSettings.managementPort)
        // Two listeners on one port: the second bind would fail, after the first had started.
        if let managementPort, managementPort != 0, managementPort == port {
            throw ConfigError(
                AppSettings.managementPort.name, value: String(managementPort),
                accepted: AppSettings.managementPort.variable.accepted + " (\(port))")
        }
        return AppConfig(
            port: port,
            managementPort: managementPort,
            host: try reader.read(AppSettings.host),
            environment: appEnvironment,
            logLevel: try reader.read(AppSettings.logLevel, default: .defaultFor(environment: appEnvironment)),
            logFormat: try reader.read(AppSettings.logFormat, default: .defaultFor(environment: appEnvironment)),
            database: try reader.databaseURL(),
            databaseTimeout: try reader.read(AppSettings.databaseTimeout),
            secretKey: try reader.read(AppSettings.secretKey),
            gitSHA: reader.freeText(AppSettings.gitSHA),
            version: reader.freeText(AppSettings.version) ?? defaultVersion,
            buildTime: reader.freeText(AppSettings.buildTime),
            server: try ServerSettings.load(reader, memory: memoryLimit)
        )
    }

    /// The address to listen on. Valid by construction: `host` and `port` were checked when loaded.
    public var listenAddress: SocketAddress? {
        SocketAddress(host: host, port: port)
    }

    /// The management listener's address, on the same host.
    public var managementAddress: SocketAddress? {
        managementPort.flatMap { SocketAddress(host: host, port: $0) }
    }
}

/// Looks variables up and turns each into a typed value or a `ConfigError` naming it.
struct EnvironmentReader {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// An unset variable takes its default (or `defaultValue`, when it depends on another variable); a set one
    /// must parse, and an empty one is an error, since `-e PORT=` usually means a substitution that went wrong.
    func read<Value>(_ setting: Setting<Value>, default defaultValue: Value? = nil) throws(ConfigError) -> Value {
        guard let text = environment[setting.name] else { return defaultValue ?? setting.defaultValue }
        guard let value = setting.parse(text) else {
            if setting.variable.isSecret {
                throw ConfigError(
                    setting.name, hiddenValue: "(hidden, \(text.count) characters)", accepted: setting.variable.accepted
                )
            }
            throw ConfigError(setting.name, value: text, accepted: setting.variable.accepted)
        }
        return value
    }

    func databaseURL() throws(ConfigError) -> DatabaseURL {
        guard let text = environment[AppSettings.databaseURL.name] else { return .sqliteMemory }
        return try DatabaseURL(parsing: text)
    }

    func isSet<Value>(_ setting: Setting<Value>) -> Bool { environment[setting.name] != nil }

    /// Free text where an empty value means unset (a Docker build ARG left blank, say).
    func freeText(_ variable: ConfigVariable) -> String? {
        guard let text = environment[variable.name], !text.isEmpty else { return nil }
        return text
    }
}
