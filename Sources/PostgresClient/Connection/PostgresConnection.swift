import Dispatch

/// One authenticated session with a PostgreSQL server, speaking protocol 3.0 over plain TCP.
/// Blocking: each call waits on the socket up to its deadline, so it runs on a thread that may block.
///
/// `@unchecked Sendable`: a connection is only ever used by the one caller that holds it, handed over
/// under the pool's lock; it has no shared state of its own.
final class PostgresConnection: @unchecked Sendable {
    /// Where the pool runs this connection's blocking calls.
    let queue = DispatchQueue(label: "postgres.connection")
    private var socket: BlockingSocket
    private let configuration: PostgresConfiguration
    private(set) var isBroken = false

    /// A server message larger than this is taken as a protocol violation rather than allocated.
    private static let maxMessageBytes = 64 * 1024 * 1024

    /// Connects, authenticates and waits until the server is ready, all by `deadline`.
    init(_ configuration: PostgresConfiguration, deadline: Deadline) throws(PostgresError) {
        self.configuration = configuration
        socket = try BlockingSocket.connect(host: configuration.host, port: configuration.port, deadline: deadline)
        do throws(PostgresError) {
            try socket.write(
                FrontendMessage.startup(
                    user: configuration.user, database: configuration.database,
                    applicationName: configuration.applicationName), deadline: deadline)
            try authenticate(deadline: deadline)
            try waitForReady(deadline: deadline)
        } catch {
            socket.close()
            throw error
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
            try socket.write(FrontendMessage.extendedQuery(sql, parameters: parameters), deadline: deadline)
            var rows: [[String?]] = []
            var failure: PostgresError?
            while true {
                let message = try readMessage(deadline: deadline)
                switch message.type {
                case BackendMessage.dataRow:
                    rows.append(try message.dataRowColumns())
                case BackendMessage.errorResponse:
                    failure = message.serverError()
                case BackendMessage.readyForQuery:
                    if let failure { throw failure }
                    return rows
                default:
                    continue  // ParseComplete, BindComplete, CommandComplete, notices, parameter changes
                }
            }
        } catch {
            if error.breaksConnection { isBroken = true }
            throw error
        }
    }

    // MARK: Startup

    private func authenticate(deadline: Deadline) throws(PostgresError) {
        var scram: SCRAMClient?
        while true {
            let message = try readMessage(deadline: deadline)
            if message.type == BackendMessage.errorResponse { throw message.serverError() }
            guard message.type == BackendMessage.authentication else { continue }
            var reader = PayloadReader(message.payload)
            guard let code = reader.int32() else { throw BackendMessage.malformed }
            switch code {
            case 0:
                return
            case 3:
                try socket.write(FrontendMessage.password(try requirePassword()), deadline: deadline)
            case 5:
                guard let salt = reader.bytes(4) else { throw BackendMessage.malformed }
                let response = Self.md5Response(user: configuration.user, password: try requirePassword(), salt: salt)
                try socket.write(FrontendMessage.password(response), deadline: deadline)
            case 10:
                let mechanisms = Self.cStrings(reader.remaining)
                guard mechanisms.contains("SCRAM-SHA-256") else {
                    throw PostgresError(
                        .authentication,
                        "server offers only \(mechanisms.joined(separator: ", ")); SCRAM-SHA-256 needed")
                }
                let client = SCRAMClient(password: try requirePassword(), nonce: SCRAMClient.randomNonce())
                scram = client
                try socket.write(
                    FrontendMessage.saslInitialResponse(
                        mechanism: "SCRAM-SHA-256", response: client.clientFirstMessage),
                    deadline: deadline)
            case 11:
                guard var client = scram else { throw BackendMessage.malformed }
                let serverFirst = String(decoding: reader.remaining, as: UTF8.self)
                let final = try scramStep { () throws(SCRAMClient.Failure) in
                    try client.clientFinalMessage(serverFirst: serverFirst)
                }
                scram = client
                try socket.write(FrontendMessage.saslResponse(final), deadline: deadline)
            case 12:
                guard let client = scram else { throw BackendMessage.malformed }
                let serverFinal = String(decoding: reader.remaining, as: UTF8.self)
                try scramStep { () throws(SCRAMClient.Failure) in try client.verify(serverFinal: serverFinal) }
            default:
                throw PostgresError(
                    .authentication, "server asks for an authentication method (\(code)) not supported here")
            }
        }
    }

    private func scramStep<Result>(_ step: () throws(SCRAMClient.Failure) -> Result) throws(PostgresError) -> Result {
        do {
            return try step()
        } catch {
            throw PostgresError(.authentication, "SCRAM-SHA-256 exchange failed: \(error)")
        }
    }

    private func requirePassword() throws(PostgresError) -> String {
        guard let password = configuration.password else {
            throw PostgresError(.authentication, "the server asks for a password and DATABASE_URL has none")
        }
        return password
    }

    /// `"md5" + md5hex(md5hex(password + user) + salt)`.
    static func md5Response(user: String, password: String, salt: [UInt8]) -> String {
        let inner = hex(MD5.hash(Array((password + user).utf8)))
        return "md5" + hex(MD5.hash(Array(inner.utf8) + salt))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    private static func cStrings(_ bytes: [UInt8]) -> [String] {
        bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    private func waitForReady(deadline: Deadline) throws(PostgresError) {
        while true {
            let message = try readMessage(deadline: deadline)
            if message.type == BackendMessage.errorResponse { throw message.serverError() }
            if message.type == BackendMessage.readyForQuery { return }
        }
    }

    private func readMessage(deadline: Deadline) throws(PostgresError) -> BackendMessage {
        let header = try socket.read(5, deadline: deadline)
        let length = Int(Int32(bitPattern: header[1...4].reduce(0) { $0 << 8 | UInt32($1) }))
        guard length >= 4, length <= Self.maxMessageBytes else { throw BackendMessage.malformed }
        return BackendMessage(type: header[0], payload: try socket.read(length - 4, deadline: deadline))
    }
}
