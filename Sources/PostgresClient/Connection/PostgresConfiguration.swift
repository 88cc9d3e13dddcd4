import DeadlineSocket

/// Where and as whom to connect, and how.
public struct PostgresConfiguration: Sendable, Equatable {
    /// libpq's `sslmode`: whether to use TLS, and what to check.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Never.
        case disable
        /// Plain first; TLS only if the server refuses a plain connection.
        case allow
        /// TLS if the server offers it, plain otherwise (libpq's default).
        case prefer
        /// TLS or nothing; the certificate is not checked.
        case require
        /// TLS, with a certificate that chains to a trusted root.
        case verifyCA = "verify-ca"
        /// TLS, with a trusted certificate that also names the host: the one to use across the internet.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var connectTimeout: Duration
    public var queryTimeout: Duration
    /// How many connections the pool for requests may open.
    public var poolSize: Int
    /// Shown in `pg_stat_activity`, so operators can tell whose connections they see.
    public var applicationName: String
    public var authentication: AuthenticationPolicy
    public var tlsMode: TLSMode
    /// libpq's `sslrootcert` for `verify-ca` and `verify-full`: a PEM file, or the system's bundle.
    public var rootCertificates: TLSVerification.Roots

    public init(
        host: String, port: Int = 5432, user: String, password: String?, database: String,
        connectTimeout: Duration = .seconds(5), queryTimeout: Duration = .seconds(5), poolSize: Int = 4,
        applicationName: String = "swift-devops-sample", authentication: AuthenticationPolicy = .any,
        tlsMode: TLSMode = .prefer, rootCertificates: TLSVerification.Roots = .system
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.queryTimeout = queryTimeout
        self.poolSize = poolSize
        self.applicationName = applicationName
        self.authentication = authentication
        self.tlsMode = tlsMode
        self.rootCertificates = rootCertificates
    }

    /// What the certificate must prove in this mode.
    var verification: TLSVerification {
        switch tlsMode {
        case .verifyFull: TLSVerification(roots: rootCertificates, checksHostName: true)
        case .verifyCA: TLSVerification(roots: rootCertificates, checksHostName: false)
        case .disable, .allow, .prefer, .require: .none
        }
    }
}
