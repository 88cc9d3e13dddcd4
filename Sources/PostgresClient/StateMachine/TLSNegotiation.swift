/// How a connection gets its transport for an `sslmode`, in libpq's order: which attempts it makes, and what
/// each answer of the server means. It does no I/O: `PostgresConnection` connects, writes, reads and shakes
/// hands as it says, so every mode's every path is tested against scripted answers.
///
/// - `disable`: plain text only.
/// - `allow`: plain text first; when the server turns that away during startup (SQLSTATE class 28, as a
///   `hostnossl ... reject` line in `pg_hba.conf` does), once more over TLS on a new connection.
/// - `prefer`: TLS when the server offers it, plain text on the same connection when it answers `N`, and
///   plain text on a new connection when the handshake itself fails.
/// - `require`, `verify-ca`, `verify-full`: TLS or nothing.
struct TLSNegotiation {
    enum Action: Equatable {
        /// Send `SSLRequest` and read the server's one-byte answer.
        case requestTLS
        /// Do the TLS handshake on this connection.
        case handshake
        /// Go on with the startup message on this connection, encrypted or not as it now is.
        case startSession
        /// Close this connection and open a new one for the next attempt.
        case reconnect
        case fail(PostgresError)
    }

    enum State: Equatable {
        /// Connecting for an attempt in plain text, or over TLS.
        case connecting(tls: Bool)
        case tlsRequested
        case handshaking
        /// The startup conversation runs, over TLS or not.
        case inSession(tls: Bool)
        case failed
    }

    let mode: PostgresConfiguration.TLSMode
    private(set) var state: State
    /// A second attempt, once made, is the last.
    private var retried = false

    init(mode: PostgresConfiguration.TLSMode) {
        self.mode = mode
        state = .connecting(tls: mode != .disable && mode != .allow)
    }

    /// The connection for the current attempt is open.
    mutating func connected() -> Action {
        guard case .connecting(let tls) = state else { return fail(.protocolViolation, "connected out of order") }
        if tls {
            state = .tlsRequested
            return .requestTLS
        }
        state = .inSession(tls: false)
        return .startSession
    }

    /// The server's answer to `SSLRequest`; `unreadBytes`: what came with it. `peer` names the server in errors.
    mutating func answered(_ answer: UInt8?, unreadBytes: Int, peer: String) -> Action {
        guard state == .tlsRequested else { return fail(.protocolViolation, "a TLS answer out of order") }
        switch answer {
        case UInt8(ascii: "S"):
            // Anything already here came before encryption, where a man in the middle may have put it
            // (CVE-2021-23222): refuse rather than read it as the server's.
            guard unreadBytes == 0 else {
                return fail(.protocolViolation, "unencrypted data after the server accepted TLS")
            }
            state = .handshaking
            return .handshake
        case UInt8(ascii: "N") where mode == .prefer:
            state = .inSession(tls: false)
            return .startSession
        case UInt8(ascii: "N"):
            return fail(.tls(.notSupported), "\(peer) does not support TLS, and sslmode=\(mode.rawValue) requires it")
        default:
            return fail(.protocolViolation, "unexpected answer to the TLS request from \(peer)")
        }
    }

    mutating func handshakeSucceeded() -> Action {
        guard state == .handshaking else { return fail(.protocolViolation, "a handshake out of order") }
        state = .inSession(tls: true)
        return .startSession
    }

    /// Under `prefer`, a failed handshake (not a refused certificate: `prefer` checks none) is tried once more
    /// in plain text, as libpq does.
    mutating func handshakeFailed(_ error: PostgresError) -> Action {
        guard state == .handshaking else { return fail(.protocolViolation, "a handshake out of order") }
        if mode == .prefer, error.isTLSHandshakeFailure, !retried {
            return retry(tls: false)
        }
        state = .failed
        return .fail(error)
    }

    /// The startup conversation failed. Under `allow`, a plain attempt the server turned away is tried once
    /// more over TLS.
    mutating func sessionFailed(_ error: PostgresError) -> Action {
        guard case .inSession(let tls) = state else { return fail(.protocolViolation, "a session out of order") }
        if mode == .allow, !tls, !retried, error.sqlState?.hasPrefix("28") == true {
            return retry(tls: true)
        }
        state = .failed
        return .fail(error)
    }

    private mutating func retry(tls: Bool) -> Action {
        retried = true
        state = .connecting(tls: tls)
        return .reconnect
    }

    private mutating func fail(_ kind: PostgresError.Kind, _ message: String) -> Action {
        state = .failed
        return .fail(PostgresError(kind, message))
    }
}
