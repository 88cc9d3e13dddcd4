import DeadlineSocket
import TextEscaping

/// A libpq connection URL: `postgresql://user:password@host:port/dbname?option=value`, with user, password and
/// database percent-decoded, and the options `sslmode`, `sslrootcert`, `connect_timeout`, `pool_size`,
/// `application_name` and `require_auth`. What the URL leaves out keeps the defaults of `init(host:...)`.
extension PostgresConfiguration {
    /// Why a URL was refused, in words that never hold the password.
    public struct URLError: Error, Sendable {
        public let reason: String

        init(_ reason: String) {
            self.reason = reason
        }
    }

    static let acceptedSSLModes = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")

    /// The user information runs from `://` to the last `@`, wherever it is: a password may hold `/`, `?`,
    /// `#`, `:` or `@` unescaped and is still taken as the password, never as a host, path or option (which
    /// would end up in logs). So no part of the URL after the user information can contain `@`.
    public init(url text: String) throws(URLError) {
        guard let schemeEnd = text.firstRange(of: "://") else { throw URLError("no scheme") }
        var rest = Substring(text[schemeEnd.upperBound...])
        var user = "postgres"
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            user = try Self.decode(parts[0], "user name")
            password = parts.count > 1 ? try Self.decode(parts[1], "password") : nil
            if user.isEmpty { throw URLError("empty user name") }
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
        let (host, port) = try Self.splitHostPort(hostPort)
        self.init(
            host: host, user: user, password: password,
            database: path.isEmpty ? user : try Self.decode(path, "database name"))
        if let port { self.port = port }
        try applyOptions(query)
    }

    private mutating func applyOptions(_ query: Substring) throws(URLError) {
        var sslModeGiven = false
        var rootCertificateGiven = false
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch name {
            case "sslmode":
                guard let mode = PostgresConfiguration.TLSMode(rawValue: value) else {
                    throw URLError("sslmode must be one of \(Self.acceptedSSLModes)")
                }
                tlsMode = mode
                sslModeGiven = true
            case "sslrootcert":
                let path = try Self.decode(Substring(value), "sslrootcert")
                guard !path.isEmpty else { throw URLError("sslrootcert must be a file path or system") }
                rootCertificates = path == "system" ? .system : .file(path)
                rootCertificateGiven = true
            case "connect_timeout":
                connectTimeout = .seconds(try Self.integer(value, in: 1...300, name))
            case "pool_size":
                poolSize = try Self.integer(value, in: 1...64, name)
            case "application_name":
                applicationName = try Self.applicationName(value)
            case "require_auth":
                guard let policy = AuthenticationPolicy(requireAuth: value) else {
                    throw URLError("require_auth must be \(AuthenticationPolicy.accepted)")
                }
                authentication = policy
            default:
                throw URLError("unknown option \(name)")
            }
        }
        try applyRootCertificateRules(sslModeGiven: sslModeGiven, rootCertificateGiven: rootCertificateGiven)
    }

    /// libpq's rules: `sslrootcert=system` means `verify-full` and allows nothing weaker (the public roots
    /// vouch for any host name they signed, so only the name check makes them mean anything), and
    /// `sslmode=require` with a root certificate file checks the chain, as `verify-ca` does.
    private mutating func applyRootCertificateRules(sslModeGiven: Bool, rootCertificateGiven: Bool) throws(URLError) {
        guard rootCertificateGiven else { return }
        if rootCertificates == .system {
            if !sslModeGiven { tlsMode = .verifyFull }
            guard tlsMode == .verifyFull else {
                throw URLError("sslrootcert=system needs sslmode=verify-full (or no sslmode)")
            }
        } else if tlsMode == .require {
            tlsMode = .verifyCA
        }
    }

    /// PostgreSQL keeps 63 bytes and turns anything but printable ASCII into `?`: refuse what it would mangle.
    private static func applicationName(_ value: String) throws(URLError) -> String {
        let name = try decode(Substring(value), "application_name")
        guard name.utf8.count <= 63, name.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw URLError("application_name must be at most 63 printable ASCII characters")
        }
        return name
    }

    private static func integer(_ value: String, in range: ClosedRange<Int>, _ name: String) throws(URLError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw URLError("\(name) must be \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The host, and the port when the URL gives one.
    private static func splitHostPort(_ text: Substring) throws(URLError) -> (String, Int?) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw URLError("unclosed [ in host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw URLError("unexpected text after host")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw URLError("no host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:%".contains($0) }) else {
            throw URLError("invalid host")
        }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw URLError("port must be 1 to 65535")
        }
        return (String(host), port)
    }

    private static func decode(_ text: Substring, _ what: String) throws(URLError) -> String {
        guard let bytes = percentDecoded(Array(text.utf8)), let decoded = String(validating: bytes, as: UTF8.self)
        else { throw URLError("bad percent-escape in \(what)") }
        return decoded
    }

    /// `postgresql://user:***@host:port/db`: what logs and error messages show.
    public var redactedURL: String {
        let credentials = password == nil ? user : "\(user):***"
        var options: [String] = []
        if tlsMode != .prefer { options.append("sslmode=\(tlsMode.rawValue)") }
        if case .file(let path) = rootCertificates { options.append("sslrootcert=\(path)") }
        let query = options.isEmpty ? "" : "?" + options.joined(separator: "&")
        return "postgresql://\(credentials)@\(authority(host: host, port: port))/\(database)\(query)"
    }
}
