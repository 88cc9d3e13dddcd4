import DeadlineSocket

/// Why a PostgreSQL operation failed. Never carries the password.
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No TCP connection: unreachable, or the name not found.
        case connection
        /// Nothing listens at the address.
        case refused
        /// The server rejected the credentials, or asked for a method this client does not have.
        case authentication
        /// An `ErrorResponse`, with its SQLSTATE code.
        case server(sqlState: String)
        /// A connect or query deadline passed.
        case timeout
        /// The server sent something this client cannot follow; the connection is unusable.
        case protocolViolation
        /// The connection broke mid-conversation.
        case closed
        /// TLS was required and could not be had, or the server's certificate was refused.
        case tls(SocketFailure.TLSProblem)
    }

    public let kind: Kind
    public let message: String
    /// The SQLSTATE of an `ErrorResponse`, also when it is classed as `.authentication` (class 28).
    public let sqlState: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        if case .server(let code) = kind {
            self.sqlState = code
        } else {
            self.sqlState = sqlState
        }
    }

    /// A socket's failure in the client's terms.
    init(_ failure: SocketFailure) {
        switch failure.kind {
        case .refused: self.init(.refused, failure.message)
        case .unresolved, .unreachable: self.init(.connection, failure.message)
        case .timeout: self.init(.timeout, failure.message)
        case .closed: self.init(.closed, failure.message)
        case .tls(let problem): self.init(.tls(problem), failure.message)
        }
    }

    public var description: String {
        if case .server(let sqlState) = kind { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }

    /// The handshake itself failed, not the certificate check: `sslmode=prefer` then tries plain text.
    var isTLSHandshakeFailure: Bool { kind == .tls(.handshake) }

    /// True when the connection it happened on can no longer be used.
    var breaksConnection: Bool {
        if case .server = kind { return false }
        return true
    }
}
