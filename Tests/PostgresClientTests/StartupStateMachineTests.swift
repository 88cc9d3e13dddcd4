import Testing

@testable import PostgresClient

/// Startup and authentication against scripted server messages: no server, no socket, no clock.
@Suite struct StartupStateMachineTests {
    static let nonce = "rOprNGfwEbeRWgbNEkqO"

    static func machine(password: String? = "pencil", requireAuth: String? = nil) -> StartupStateMachine {
        let policy = requireAuth.flatMap(AuthenticationPolicy.init(requireAuth:)) ?? .any
        let configuration = PostgresConfiguration(
            host: "db", user: "alice", password: password, database: "app", authentication: policy)
        return StartupStateMachine(configuration, nonce: nonce)
    }

    static func authentication(_ code: Int32, _ rest: [UInt8] = []) -> BackendMessage {
        var writer = ByteWriter()
        writer.int32(code)
        return BackendMessage(type: BackendMessage.authentication, payload: writer.bytes + rest)
    }

    static let ok = authentication(0)
    static let ready = BackendMessage(type: BackendMessage.readyForQuery, payload: [UInt8(ascii: "I")])
    static let saslOffer = authentication(10, Array("SCRAM-SHA-256\0\0".utf8))

    /// What an honest server holding `password` sends: server-first, and server-final for a client-final.
    struct SCRAMServer {
        let salt: [UInt8] = Array("NaCl-salt".utf8)
        let iterations = 16
        var serverFirst: String { "r=\(StartupStateMachineTests.nonce)SERVER,s=\(Base64.encode(salt)),i=\(iterations)" }

        func serverFinal(password: String, clientFinal: String) -> String {
            let withoutProof = clientFinal.split(separator: ",").prefix(2).joined(separator: ",")
            let authMessage = "n=,r=\(StartupStateMachineTests.nonce),\(serverFirst),\(withoutProof)"
            let salted = PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations)
            let serverKey = HMAC.sha256(key: salted, message: Array("Server Key".utf8))
            return "v=" + Base64.encode(HMAC.sha256(key: serverKey, message: Array(authMessage.utf8)))
        }
    }

    /// Runs SCRAM up to the client-final message; returns it.
    static func scramUpToClientFinal(_ machine: inout StartupStateMachine) throws -> String {
        guard case .send = try machine.receive(saslOffer) else { throw Failure.noMessage }
        let action = try machine.receive(authentication(11, Array(SCRAMServer().serverFirst.utf8)))
        guard case .send(let bytes) = action else { throw Failure.noMessage }
        return String(decoding: bytes.dropFirst(5), as: UTF8.self)
    }

    enum Failure: Error { case noMessage }

    static func expectRefused(
        _ machine: inout StartupStateMachine, _ message: BackendMessage, saying text: String,
        kind: PostgresError.Kind = .authentication
    ) {
        do {
            _ = try machine.receive(message)
            Issue.record("accepted: \(message)")
        } catch {
            #expect(error.kind == kind)
            #expect(error.message.contains(text), "\(error.message)")
        }
    }

    @Test func startupMessageCarriesUserDatabaseAndApplicationName() {
        let text = String(decoding: Self.machine().startupMessage, as: UTF8.self)
        #expect(text.contains("user\0alice\0database\0app\0application_name\0swift-devops-sample\0"))
    }

    @Test func fullSCRAMExchangeVerifiesTheServerThenWaitsForReady() throws {
        var machine = Self.machine()
        let clientFinal = try Self.scramUpToClientFinal(&machine)
        #expect(clientFinal.hasPrefix("c=biws,r=\(Self.nonce)SERVER,p="))
        let serverFinal = SCRAMServer().serverFinal(password: "pencil", clientFinal: clientFinal)
        #expect(try machine.receive(Self.authentication(12, Array(serverFinal.utf8))) == .wait)
        #expect(try machine.receive(Self.ok) == .wait)
        #expect(try machine.receive(BackendMessage(type: BackendMessage.parameterStatus, payload: [])) == .wait)
        #expect(try machine.receive(Self.ready) == .ready)
    }

    /// The defect: a server that skips its final message was let in without proving it knows the password.
    @Test func authenticationOkBeforeTheServerSignatureIsRefused() throws {
        var afterFirst = Self.machine()
        _ = try afterFirst.receive(Self.saslOffer)
        Self.expectRefused(&afterFirst, Self.ok, saying: "without proving it knows the password")

        var afterFinal = Self.machine()
        _ = try Self.scramUpToClientFinal(&afterFinal)
        Self.expectRefused(&afterFinal, Self.ok, saying: "without proving it knows the password")
    }

    @Test func aWrongServerSignatureIsRefused() throws {
        var machine = Self.machine()
        let clientFinal = try Self.scramUpToClientFinal(&machine)
        let forged = SCRAMServer().serverFinal(password: "not-pencil", clientFinal: clientFinal)
        Self.expectRefused(&machine, Self.authentication(12, Array(forged.utf8)), saying: "serverSignatureMismatch")
    }

    @Test func aServerNonceThatDoesNotExtendOursIsRefused() throws {
        var machine = Self.machine()
        _ = try machine.receive(Self.saslOffer)
        let serverFirst = "r=someoneElsesNonce,s=\(Base64.encode([1, 2, 3])),i=16"
        Self.expectRefused(&machine, Self.authentication(11, Array(serverFirst.utf8)), saying: "nonceMismatch")
    }

    @Test(arguments: [
        ("scram-sha-256", authentication(3), "clear text"),
        ("scram-sha-256", authentication(5, [1, 2, 3, 4]), "MD5"),
        ("scram-sha-256", ok, "without a password"),
        ("!password", authentication(3), "clear text"),
        ("md5,password", saslOffer, "SASL"),
    ])
    func requireAuthRefusesEveryOtherMethod(_ requireAuth: String, _ request: BackendMessage, _ text: String) {
        var machine = Self.machine(requireAuth: requireAuth)
        Self.expectRefused(&machine, request, saying: text)
    }

    @Test func withoutRequireAuthEachMethodIsAnswered() throws {
        var cleartext = Self.machine()
        #expect(try cleartext.receive(Self.authentication(3)) == .send(FrontendMessage.password("pencil")))
        #expect(try cleartext.receive(Self.ok) == .wait)

        var md5 = Self.machine()
        let response = StartupStateMachine.md5Response("alice", "pencil", [1, 2, 3, 4])
        #expect(try md5.receive(Self.authentication(5, [1, 2, 3, 4])) == .send(FrontendMessage.password(response)))

        var trust = Self.machine(password: nil)
        #expect(try trust.receive(Self.ok) == .wait)
        #expect(try trust.receive(Self.ready) == .ready)
    }

    @Test func outOfOrderMessagesAreProtocolViolations() throws {
        var early = Self.machine()
        Self.expectRefused(&early, Self.ready, saying: "ReadyForQuery before", kind: .protocolViolation)

        var finalFirst = Self.machine()
        Self.expectRefused(
            &finalFirst, Self.authentication(12, Array("v=AAAA".utf8)), saying: "out of order",
            kind: .protocolViolation)

        var twice = Self.machine()
        _ = try twice.receive(Self.authentication(3))
        Self.expectRefused(&twice, Self.authentication(3), saying: "out of order", kind: .protocolViolation)

        var dataRow = Self.machine()
        Self.expectRefused(
            &dataRow, BackendMessage(type: BackendMessage.dataRow, payload: [0, 0]), saying: "during startup",
            kind: .protocolViolation)
    }

    @Test func truncatedAndUnsupportedRequestsAreClearErrors() {
        var truncated = Self.machine()
        Self.expectRefused(
            &truncated, BackendMessage(type: BackendMessage.authentication, payload: [0, 0]), saying: "malformed",
            kind: .protocolViolation)
        var gss = Self.machine()
        Self.expectRefused(&gss, Self.authentication(7), saying: "(7) not supported")
        var noPassword = Self.machine(password: nil)
        Self.expectRefused(&noPassword, Self.authentication(3), saying: "DATABASE_URL has none")
        var onlyPlus = Self.machine()
        Self.expectRefused(
            &onlyPlus, Self.authentication(10, Array("SCRAM-SHA-256-PLUS\0\0".utf8)), saying: "SCRAM-SHA-256 needed")
    }

    @Test func serverErrorsDuringStartupAreThrownWithTheirSQLState() {
        var machine = Self.machine()
        let payload = Array("SFATAL\0C28P01\0Mpassword authentication failed\0\0".utf8)
        Self.expectRefused(
            &machine, BackendMessage(type: BackendMessage.errorResponse, payload: payload),
            saying: "password authentication failed")
    }

    @Test(arguments: [
        ("scram-sha-256", true), ("none,md5", true), ("!none", true), ("!md5,!password", true),
        ("", false), ("gss", false), ("md5,!password", false), ("!none,!password,!md5,!scram-sha-256", false),
    ])
    func requireAuthParsesLikeLibpq(_ text: String, _ valid: Bool) {
        #expect((AuthenticationPolicy(requireAuth: text) != nil) == valid)
    }
}
