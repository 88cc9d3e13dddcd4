/// Startup and authentication of one connection, as a value that reads server messages and says what to send;
/// it does no I/O, so every path (including a dishonest server's) is tested without one.
///
/// `AuthenticationOk` is accepted only where the method in progress has finished: after a password was sent,
/// after the server proved in SCRAM's last message that it knows the password too, or at once when the
/// server asks for nothing and the policy allows that.
struct StartupStateMachine {
    enum State {
        /// The startup message is sent; the server has not yet said how to authenticate.
        case awaitingRequest
        /// A cleartext or MD5 password is sent; only `AuthenticationOk` may follow.
        case passwordSent
        /// SCRAM's client-first message is sent; server-first must follow.
        case scramFirstSent(SCRAMClient)
        /// SCRAM's client-final message (with the proof) is sent; server-final must follow.
        case scramFinalSent(SCRAMClient)
        /// The server's SCRAM signature checked out; `AuthenticationOk` must follow.
        case scramVerified
        /// Authenticated; parameters and the backend key arrive until `ReadyForQuery`.
        case authenticated
        case ready
    }

    enum Action: Equatable {
        case send([UInt8])
        /// Read the next message.
        case wait
        /// `ReadyForQuery`: the connection can take queries.
        case ready
    }

    private(set) var state = State.awaitingRequest
    private let configuration: PostgresConfiguration
    private let nonce: String

    init(_ configuration: PostgresConfiguration, nonce: String = SCRAMClient.randomNonce()) {
        self.configuration = configuration
        self.nonce = nonce
    }

    var startupMessage: [UInt8] {
        FrontendMessage.startup(
            user: configuration.user, database: configuration.database,
            applicationName: configuration.applicationName)
    }

    mutating func receive(_ message: BackendMessage) throws(PostgresError) -> Action {
        switch message.type {
        case BackendMessage.authentication:
            return try authenticate(try AuthenticationRequest(payload: message.payload))
        case BackendMessage.errorResponse:
            throw message.serverError()
        case BackendMessage.readyForQuery:
            guard case .authenticated = state else { throw Self.unexpected("ReadyForQuery before authentication") }
            state = .ready
            return .ready
        case BackendMessage.parameterStatus, BackendMessage.backendKeyData, BackendMessage.noticeResponse,
            BackendMessage.negotiateProtocolVersion:
            return .wait
        default:
            throw Self.unexpected("message '\(Character(Unicode.Scalar(message.type)))' during startup")
        }
    }

    private mutating func authenticate(_ request: AuthenticationRequest) throws(PostgresError) -> Action {
        switch (state, request) {
        case (.awaitingRequest, .ok):
            try require(.none, "lets the client in without a password")
            state = .authenticated
            return .wait
        case (.awaitingRequest, .cleartextPassword):
            try require(.password, "asks for the password in clear text")
            state = .passwordSent
            return .send(FrontendMessage.password(try password()))
        case (.awaitingRequest, .md5Password(let salt)):
            try require(.md5, "asks for an MD5 password")
            state = .passwordSent
            return .send(FrontendMessage.password(Self.md5Response(configuration.user, try password(), salt)))
        case (.awaitingRequest, .sasl(let mechanisms)):
            try require(.scramSHA256, "offers SASL")
            guard mechanisms.contains("SCRAM-SHA-256") else {
                throw PostgresError(
                    .authentication,
                    "server offers only \(mechanisms.joined(separator: ", ")); SCRAM-SHA-256 needed")
            }
            let client = SCRAMClient(password: try password(), nonce: nonce)
            state = .scramFirstSent(client)
            return .send(
                FrontendMessage.saslInitialResponse(mechanism: "SCRAM-SHA-256", response: client.clientFirstMessage))
        case (.awaitingRequest, .unsupported(let code)):
            throw PostgresError(
                .authentication, "server asks for an authentication method (\(code)) not supported here")
        case (.scramFirstSent(var client), .saslContinue(let serverFirst)):
            let final = try Self.scramStep { () throws(SCRAMClient.Failure) in
                try client.clientFinalMessage(serverFirst: serverFirst)
            }
            state = .scramFinalSent(client)
            return .send(FrontendMessage.saslResponse(final))
        case (.scramFinalSent(let client), .saslFinal(let serverFinal)):
            try Self.scramStep { () throws(SCRAMClient.Failure) in try client.verify(serverFinal: serverFinal) }
            state = .scramVerified
            return .wait
        case (.scramFirstSent, .ok), (.scramFinalSent, .ok):
            throw PostgresError(
                .authentication, "server ended SCRAM-SHA-256 without proving it knows the password; refused")
        case (.passwordSent, .ok), (.scramVerified, .ok):
            state = .authenticated
            return .wait
        default:
            throw Self.unexpected("authentication request \(request) out of order")
        }
    }

    private func require(_ method: AuthenticationPolicy.Method, _ what: String) throws(PostgresError) {
        guard configuration.authentication.allowed.contains(method) else {
            let allowed = AuthenticationPolicy.Method.allCases.filter {
                configuration.authentication.allowed.contains($0)
            }
            throw PostgresError(
                .authentication,
                "server \(what), but require_auth allows only \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
    }

    private func password() throws(PostgresError) -> String {
        guard let password = configuration.password else {
            throw PostgresError(.authentication, "the server asks for a password and DATABASE_URL has none")
        }
        return password
    }

    private static func scramStep<Result>(_ step: () throws(SCRAMClient.Failure) -> Result) throws(PostgresError)
        -> Result
    {
        do {
            return try step()
        } catch {
            throw PostgresError(.authentication, "SCRAM-SHA-256 exchange failed: \(error)")
        }
    }

    private static func unexpected(_ what: String) -> PostgresError {
        PostgresError(.protocolViolation, "server sent \(what)")
    }

    /// `"md5" + md5hex(md5hex(password + user) + salt)`.
    static func md5Response(_ user: String, _ password: String, _ salt: [UInt8]) -> String {
        let inner = hex(MD5.hash(Array((password + user).utf8)))
        return "md5" + hex(MD5.hash(Array(inner.utf8) + salt))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}
