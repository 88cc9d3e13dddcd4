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

    /// Connects (with TLS as `configuration.tlsMode` says, attempt by attempt as `TLSNegotiation` decides),
    /// authenticates and waits until the server is ready, all by `deadline`.
    init(_ configuration: PostgresConfiguration, deadline: Deadline) throws(PostgresError) {
        var negotiation = TLSNegotiation(mode: configuration.tlsMode)
        while true {
            var socket = try Self.mapFailure { () throws(SocketFailure) in
                try DeadlineSocket.connect(host: configuration.host, port: configuration.port, deadline: deadline)
            }
            var action = negotiation.connected()
            // The socket is closed here whenever this attempt ends without a session: `deinit` only ever sees
            // one that is fully set up.
            attempt: while true {
                switch action {
                case .requestTLS:
                    do throws(PostgresError) {
                        try Self.write(FrontendMessage.sslRequest, to: socket, deadline: deadline)
                        let answer = try Self.mapFailure { () throws(SocketFailure) in
                            try socket.read(1, deadline: deadline)
                        }
                        action = negotiation.answered(
                            answer.first, unreadBytes: socket.unreadByteCount, peer: socket.peer)
                    } catch {
                        socket.close()
                        throw error
                    }
                case .handshake:
                    do throws(SocketFailure) {
                        try socket.startTLS(
                            host: configuration.host, verification: configuration.verification, deadline: deadline)
                        action = negotiation.handshakeSucceeded()
                    } catch {
                        action = negotiation.handshakeFailed(PostgresError(error))
                    }
                case .startSession:
                    do throws(PostgresError) {
                        try Self.startSession(on: &socket, configuration, deadline: deadline)
                        self.socket = socket
                        return
                    } catch {
                        action = negotiation.sessionFailed(error)
                    }
                case .reconnect:
                    socket.close()
                    break attempt
                case .fail(let error):
                    socket.close()
                    throw error
                }
            }
        }
    }

    /// The startup conversation, through to `ReadyForQuery`.
    private static func startSession(
        on socket: inout DeadlineSocket, _ configuration: PostgresConfiguration, deadline: Deadline
    ) throws(PostgresError) {
        var startup = StartupStateMachine(configuration)
        try write(startup.startupMessage, to: socket, deadline: deadline)
        while true {
            switch try startup.receive(try readMessage(&socket, deadline: deadline)) {
            case .send(let bytes): try write(bytes, to: socket, deadline: deadline)
            case .wait: continue
            case .ready: return
            }
        }
    }

    /// Says goodbye (`Terminate`, so the server logs no lost connection) only if the socket takes it at once:
    /// a deadline already passed never waits, so whoever drops the last reference is never held up.
    deinit {
        if !isBroken { try? socket.write(FrontendMessage.terminate, deadline: Deadline(after: .zero)) }
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
