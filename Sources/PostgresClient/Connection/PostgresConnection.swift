import DeadlineSocket
import Dispatch

/// One authenticated session with a PostgreSQL server, speaking protocol 3.0 over plain TCP. The protocol
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

    /// Connects, authenticates and waits until the server is ready, all by `deadline`. The socket is closed
    /// here on failure, before `self` exists: `deinit` never sees a socket that is not fully set up.
    init(_ configuration: PostgresConfiguration, deadline: Deadline) throws(PostgresError) {
        var socket = try Self.mapFailure { () throws(SocketFailure) in
            try DeadlineSocket.connect(host: configuration.host, port: configuration.port, deadline: deadline)
        }
        do throws(PostgresError) {
            var startup = StartupStateMachine(configuration)
            try Self.write(startup.startupMessage, to: socket, deadline: deadline)
            conversation: while true {
                switch try startup.receive(try Self.readMessage(&socket, deadline: deadline)) {
                case .send(let bytes): try Self.write(bytes, to: socket, deadline: deadline)
                case .wait: continue
                case .ready: break conversation
                }
            }
        } catch {
            socket.close()
            throw error
        }
        self.socket = socket
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
