import HTTPServer

/// The app's whole configuration, read once from the environment and validated before anything starts.
/// `AppConfig()` holds every default; `SettingsTable` says which variable sets which field.
public struct AppConfig: Sendable, Equatable {
    public var port = 8000
    /// Where the management listener serves the probes and metrics; nil for none.
    public var managementPort: Int?
    public var host = "0.0.0.0"
    public var environment = "development"
    /// Unset, it follows `environment` (see `LogLevel.defaultFor(environment:)`).
    public var logLevel = LogLevel.info
    /// Unset, it follows `environment` (see `LogFormat.defaultFor(environment:)`).
    public var logFormat = LogFormat.text
    public var database = DatabaseURL.sqliteMemory
    /// The most any request waits on the database, all told (`DATABASE_TIMEOUT_SECONDS`).
    public var databaseTimeout = NoteRepository.defaultTimeout
    /// Never logged, never returned by any route.
    public var secretKey: String?
    public var gitSHA: String?
    public var version = "1.0.0"
    public var buildTime: String?
    public var server = ServerSettings()

    public init() {}

    /// Every variable the app reads, in the order `app --help` lists them.
    public static var variables: [ConfigVariable] { SettingsTable.all.map(\.variable) }

    /// Reads the variables from `environment`, row by row; unset ones take their defaults, which for the buffer
    /// budget depend on the container's `memoryLimit`. An empty value is an error for the validated variables,
    /// since `-e PORT=` usually means a substitution that went wrong; for free text it means unset.
    public static func load(
        from environment: [String: String], memoryLimit: MemoryLimit? = MemoryLimit.detect()
    ) throws(ConfigError) -> AppConfig {
        var config = AppConfig()
        let context = ConfigContext(memoryLimit: memoryLimit)
        for row in SettingsTable.all {
            try row.apply(environment[row.name], &config, context)
        }
        return config
    }

    /// What `app --version` shows, from APP_VERSION and GIT_SHA alone: it answers even when another variable
    /// is wrong.
    public static func identity(from environment: [String: String]) -> (version: String, commit: String?) {
        var config = AppConfig()
        for row in [SettingsTable.version, SettingsTable.gitSHA] {
            try? row.apply(environment[row.name], &config, ConfigContext(memoryLimit: nil))
        }
        return (config.version, config.gitSHA)
    }

    /// The variables that choose the two ports, for messages that tell an operator which one to change.
    public static var portVariable: String { SettingsTable.port.name }
    public static var managementPortVariable: String { SettingsTable.managementPort.name }

    /// The address to listen on. Valid by construction: `host` and `port` were checked when loaded.
    public var listenAddress: SocketAddress? {
        SocketAddress(host: host, port: port)
    }

    /// The management listener's address, on the same host.
    public var managementAddress: SocketAddress? {
        managementPort.flatMap { SocketAddress(host: host, port: $0) }
    }
}
