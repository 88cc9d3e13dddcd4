/// Where and as whom to connect. TLS is not supported: callers must refuse `sslmode=require` and stronger.
public struct PostgresConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var connectTimeout: Duration
    public var queryTimeout: Duration
    /// Shown in `pg_stat_activity`, so operators can tell whose connections they see.
    public var applicationName: String
    public var authentication: AuthenticationPolicy

    public init(
        host: String, port: Int = 5432, user: String, password: String?, database: String,
        connectTimeout: Duration = .seconds(5), queryTimeout: Duration = .seconds(5),
        applicationName: String = "swift-devops-sample", authentication: AuthenticationPolicy = .any
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.queryTimeout = queryTimeout
        self.applicationName = applicationName
        self.authentication = authentication
    }
}
