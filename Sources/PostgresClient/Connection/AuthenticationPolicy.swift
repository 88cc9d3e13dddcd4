/// Which ways of authenticating the client accepts from the server: libpq's `require_auth`.
///
/// Without it any method the server asks for is answered, so a server (or anyone between) can ask a client
/// that has a password for it in clear text. With `require_auth=scram-sha-256` anything else is refused,
/// including a server that lets the client in without proving it knows the password.
public struct AuthenticationPolicy: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// The server asked for nothing: `trust`.
        case none
        case password
        case md5
        case scramSHA256 = "scram-sha-256"
    }

    public let allowed: Set<Method>

    public init(allowing allowed: Set<Method>) {
        self.allowed = allowed
    }

    public static let any = AuthenticationPolicy(allowing: Set(Method.allCases))

    /// `scram-sha-256,md5` allows those; `!password,!md5` allows all but those (libpq: all or none negated).
    /// Nil when the list mixes the two forms, names an unknown method, or allows nothing.
    public init?(requireAuth text: String) {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let negated = names.filter { $0.hasPrefix("!") }
        guard negated.isEmpty || negated.count == names.count else { return nil }
        var methods: Set<Method> = []
        for name in names {
            guard let method = Method(rawValue: negated.isEmpty ? name : String(name.dropFirst())) else { return nil }
            methods.insert(method)
        }
        let allowed = negated.isEmpty ? methods : Set(Method.allCases).subtracting(methods)
        guard !allowed.isEmpty else { return nil }
        self.allowed = allowed
    }

    public static let accepted =
        "a comma-separated list of none, password, md5, scram-sha-256, or the same each prefixed with !"
}
