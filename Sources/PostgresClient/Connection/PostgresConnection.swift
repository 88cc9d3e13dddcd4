import DeadlineSocket
import Dispatch

/// One authenticated session with a PostgreSQL server, speaking protocol 3.0 over TCP or TLS. The protocol
/// itself lives in `StartupStateMachine` and `QueryStateMachine`; this class only moves their bytes.
/// Blocking: each call waits on the socket up to its deadline, so it runs on a thread that may block.
///
/// `@unchecked Sendable`: a connection is only ever used by the one caller that holds it, handed over
/// under the pool's lock; it has no shared state of its own.
final class PostgresConnection: @unchecked Sendable {
    /// Where the pool runs this connection's blocking calls.
    let queue = DispatchQueue(label: "postgres.connection")
    private var socket: DeadlineSocket
    private(set) var isBroken = false

    /// A server message larger than this is taken as a protocol violation rather than allocated.
    private static let maxMessageBytes = 64 * 1024 * 1024

    /// Connects (with TLS as `configuration.tlsMode` says), authenticates and waits until the server is ready,
    /// all by `deadline`.
    init(_ configuration: PostgresConfiguration, deadline: Deadline) throws(PostgresError) {
        switch configuration.tlsMode {
        case .disable:
            socket = try Self.session(configuration, tls: false, deadline: deadline)
        case .allow:
            // Plain first; TLS only when the server turns a plain connection away (pg_hba.conf `hostssl`).
            do {
                socket = try Self.session(configuration, tls: false, deadline: deadline)
            } catch  where error.kind == .server(sqlState: "28000") {
                socket = try Self.session(configuration, tls: true, deadline: deadline)
            }
        case .prefer:
            // TLS when offered (a server that answers `N` goes on in plain text on the same connection); a
            // handshake that fails is tried once more in plain text, as libpq does.
            do {
                socket = try Self.session(configuration, tls: true, deadline: deadline)
            } catch  where error.isTLSHandshakeFailure {
                socket = try Self.session(configuration, tls: false, deadline: deadline)
            }
        case .require, .verifyCA, .verifyFull:
            socket = try Self.session(configuration, tls: true, deadline: deadline)
        }
    }

    /// One connection through to `ReadyForQuery`. The socket is closed here on failure, before the connection
    /// exists: `deinit` never sees a socket that is not fully set up.
    private static func session(_ configuration: PostgresConfiguration, tls: Bool, deadline: Deadline)
        throws(PostgresError) -> DeadlineSocket
    {
        var socket = try mapFailure { () throws(SocketFailure) in
            try DeadlineSocket.connect(host: configuration.host, port: configuration.port, deadline: deadline)
        }
        do throws(PostgresError) {
            if tls { try negotiateTLS(&socket, configuration, deadline: deadline) }
            var startup = StartupStateMachine(configuration)
            try write(startup.startupMessage, to: socket, deadline: deadline)
            conversation: while true {
                switch try startup.receive(try readMessage(&socket, deadline: deadline)) {
                case .send(let bytes): try write(bytes, to: socket, deadline: deadline)
                case .wait: continue
                case .ready: break conversation
                }
            }
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// `SSLRequest`, then the handshake on the same socket. A server without TLS answers `N`: fine for
    /// `prefer`, refused for the modes that require TLS.
    private static func negotiateTLS(
        _ socket: inout DeadlineSocket, _ configuration: PostgresConfiguration, deadline: Deadline
    ) throws(PostgresError) {
        try write(FrontendMessage.sslRequest, to: socket, deadline: deadline)
        let answer = try mapFailure { () throws(SocketFailure) in try socket.read(1, deadline: deadline) }
        switch answer.first {
        case UInt8(ascii: "S"):
            // Anything already here came before encryption, where a man in the middle may have put it
            // (CVE-2021-23222): refuse rather than read it as the server's.
            guard socket.unreadByteCount == 0 else {
                throw PostgresError(.protocolViolation, "unencrypted data after the server accepted TLS")
            }
            try mapFailure { () throws(SocketFailure) in
                try socket.startTLS(
                    host: configuration.host, verification: configuration.verification, deadline: deadline)
            }
        case UInt8(ascii: "N"):
            guard configuration.tlsMode == .prefer else {
                throw PostgresError(
                    .tls(.notSupported),
                    "\(socket.peer) does not support TLS, and sslmode=\(configuration.tlsMode.rawValue) requires it")
            }
        default:
            throw PostgresError(.protocolViolation, "unexpected answer to the TLS request from \(socket.peer)")
        }
    }

    deinit {
        if !isBroken { try? socket.write(FrontendMessage.terminate, deadline: Deadline(after: .milliseconds(100))) }
        socket.close()
    }

    /// Runs one statement with `parameters` bound to `$1`, `$2`, ... and returns its rows as text. Past
    /// `deadline` the connection is broken: the server may still answer, and nothing may read that answer as
    /// the next statement's.
    func query(_ sql: String, _ parameters: [String?], deadline: Deadline) throws(PostgresError) -> [[String?]] {
        guard !isBroken else { throw PostgresError(.closed, "connection is closed") }
        do throws(PostgresError) {
            try Self.write(FrontendMessage.extendedQuery(sql, parameters: parameters), to: socket, deadline: deadline)
            var answer = QueryStateMachine()
            while true {
                if case .finished(let rows) = try answer.receive(try Self.readMessage(&socket, deadline: deadline)) {
                    return rows
                }
            }
        } catch {
            if error.breaksConnection { isBroken = true }
            throw error
        }
    }

    private static func readMessage(_ socket: inout DeadlineSocket, deadline: Deadline) throws(PostgresError)
        -> BackendMessage
    {
        let header = try mapFailure { () throws(SocketFailure) in try socket.read(5, deadline: deadline) }
        let length = Int(Int32(bitPattern: header[1...4].reduce(0) { $0 << 8 | UInt32($1) }))
        guard length >= 4, length <= maxMessageBytes else { throw BackendMessage.malformed }
        let payload = try mapFailure { () throws(SocketFailure) in try socket.read(length - 4, deadline: deadline) }
        return BackendMessage(type: header[0], payload: payload)
    }

    private static func write(_ bytes: [UInt8], to socket: DeadlineSocket, deadline: Deadline) throws(PostgresError) {
        try mapFailure { () throws(SocketFailure) in try socket.write(bytes, deadline: deadline) }
    }

    private static func mapFailure<Value>(_ body: () throws(SocketFailure) -> Value) throws(PostgresError) -> Value {
        do {
            return try body()
        } catch {
            throw PostgresError(error)
        }
    }
}
