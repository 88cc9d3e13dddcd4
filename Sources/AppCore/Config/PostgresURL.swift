import DeadlineSocket
import PostgresClient
import TextEscaping

/// `postgresql://user:password@host:port/dbname?option=value`, with user, password and database percent-decoded.
public struct PostgresURL: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var connectTimeoutSeconds: Int
    public var poolSize: Int
    /// Sent at startup, so the app's sessions are visible as such in `pg_stat_activity`.
    public var applicationName = "swift-devops-sample"
    /// `require_auth`: the authentication methods the server may ask for; any when absent.
    public var authentication = AuthenticationPolicy.any
    /// `sslmode`, libpq's default when absent: TLS when the server offers it.
    public var tlsMode = PostgresConfiguration.TLSMode.prefer
    /// `sslrootcert`: the roots `verify-ca` and `verify-full` trust; the system's bundle when absent.
    public var rootCertificates = TLSVerification.Roots.system

    struct Invalid: Error {
        let reason: String
    }

    static let acceptedSSLModes = PostgresConfiguration.TLSMode.allCases.map(\.rawValue).joined(separator: ", ")

    /// The user information runs from `://` to the last `@`, wherever it is: a password may hold `/`, `?`,
    /// `#`, `:` or `@` unescaped and is still taken as the password, never as a host, path or option (which
    /// would end up in logs). So no part of the URL after the user information can contain `@`.
    init(parsing text: String) throws(Invalid) {
        guard let schemeEnd = text.firstRange(of: "://") else { throw Invalid(reason: "no scheme") }
        var rest = Substring(text[schemeEnd.upperBound...])
        user = "postgres"
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            user = try Self.decode(parts[0], "user name")
            password = parts.count > 1 ? try Self.decode(parts[1], "password") : nil
            if user.isEmpty { throw Invalid(reason: "empty user name") }
        }
        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        var hostPort = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        (host, port) = try Self.splitHostPort(hostPort)
        database = path.isEmpty ? user : try Self.decode(path, "database name")
        connectTimeoutSeconds = 5
        poolSize = 4
        try applyOptions(query)
    }

    private mutating func applyOptions(_ query: Substring) throws(Invalid) {
        var sslModeGiven = false
        var rootCertificateGiven = false
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch name {
            case "sslmode":
                guard let mode = PostgresConfiguration.TLSMode(rawValue: value) else {
                    throw Invalid(reason: "sslmode must be one of \(Self.acceptedSSLModes)")
                }
                tlsMode = mode
                sslModeGiven = true
            case "sslrootcert":
                let path = try Self.decode(Substring(value), "sslrootcert")
                guard !path.isEmpty else { throw Invalid(reason: "sslrootcert must be a file path or system") }
                rootCertificates = path == "system" ? .system : .file(path)
                rootCertificateGiven = true
            case "connect_timeout":
                connectTimeoutSeconds = try Self.integer(value, in: 1...300, name)
            case "pool_size":
                poolSize = try Self.integer(value, in: 1...64, name)
            case "application_name":
                applicationName = try Self.applicationName(value)
            case "require_auth":
                guard let policy = AuthenticationPolicy(requireAuth: value) else {
                    throw Invalid(reason: "require_auth must be \(AuthenticationPolicy.accepted)")
                }
                authentication = policy
            default:
                throw Invalid(reason: "unknown option \(name)")
            }
        }
        try applyRootCertificateRules(sslModeGiven: sslModeGiven, rootCertificateGiven: rootCertificateGiven)
    }

    /// libpq's rules: `sslrootcert=system` means `verify-full` and allows nothing weaker (the public roots
    /// vouch for any host name they signed, so only the name check makes them mean anything), and
    /// `sslmode=require` with a root certificate file checks the chain, as `verify-ca` does.
    private mutating func applyRootCertificateRules(sslModeGiven: Bool, rootCertificateGiven: Bool) throws(Invalid) {
        guard rootCertificateGiven else { return }
        if rootCertificates == .system {
            if !sslModeGiven { tlsMode = .verifyFull }
            guard tlsMode == .verifyFull else {
                throw Invalid(reason: "sslrootcert=system needs sslmode=verify-full (or no sslmode)")
            }
        } else if tlsMode == .require {
            tlsMode = .verifyCA
        }
    }

    /// PostgreSQL keeps 63 bytes and turns anything but printable ASCII into `?`: refuse what it would mangle.
    private static func applicationName(_ value: String) throws(Invalid) -> String {
        let name = try decode(Substring(value), "application_name")
        guard name.utf8.count <= 63, name.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw Invalid(reason: "application_name must be at most 63 printable ASCII characters")
        }
        return name
    }

    private static func integer(_ value: String, in range: ClosedRange<Int>, _ name: String) throws(Invalid) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw Invalid(reason: "\(name) must be \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func splitHostPort(_ text: Substring) throws(Invalid) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw Invalid(reason: "unclosed [ in host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw Invalid(reason: "unexpected text after host")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw Invalid(reason: "no host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:%".contains($0) }) else {
            throw Invalid(reason: "invalid host")
        }
        guard let portText else { return (String(host), 5432) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw Invalid(reason: "port must be 1 to 65535")
        }
        return (String(host), port)
    }

    private static func decode(_ text: Substring, _ what: String) throws(Invalid) -> String {
        guard let decoded = percentDecode(String(text)) else { throw Invalid(reason: "bad percent-escape in \(what)") }
        return decoded
    }

    /// `postgresql://user:***@host:port/db`: what logs and error messages show.
    public var redacted: String {
        let credentials = password == nil ? user : "\(user):***"
        let hostText = host.contains(":") ? "[\(host)]" : host
        var options: [String] = []
        if tlsMode != .prefer { options.append("sslmode=\(tlsMode.rawValue)") }
        if case .file(let path) = rootCertificates { options.append("sslrootcert=\(path)") }
        let query = options.isEmpty ? "" : "?" + options.joined(separator: "&")
        return "postgresql://\(credentials)@\(hostText):\(port)/\(database)\(query)"
    }
}

/// Decodes %XX escapes in a URL component; nil when an escape is malformed or the result is not UTF-8.
func percentDecode(_ text: String) -> String? {
    percentDecoded(Array(text.utf8)).flatMap { String(validating: $0, as: UTF8.self) }
}
