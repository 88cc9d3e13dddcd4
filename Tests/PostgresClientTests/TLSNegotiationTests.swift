import Testing

@testable import PostgresClient

/// Every `sslmode` against scripted server answers: which attempts a connection makes, and when it gives up.
@Suite struct TLSNegotiationTests {
    typealias Mode = PostgresConfiguration.TLSMode
    static let yes = UInt8(ascii: "S")
    static let no = UInt8(ascii: "N")
    static let rejectedPlain = PostgresError(
        .authentication, "no pg_hba.conf entry for host \"127.0.0.1\", no encryption (SQLSTATE 28000)",
        sqlState: "28000")
    static let badPassword = PostgresError(
        .authentication, "password authentication failed (SQLSTATE 28P01)", sqlState: "28P01")
    static let handshakeBroke = PostgresError(.tls(.handshake), "TLS handshake failed")

    @Test func disableNeverAsksForTLSAndNeverRetries() {
        var negotiation = TLSNegotiation(mode: .disable)
        #expect(negotiation.connected() == .startSession)
        #expect(negotiation.sessionFailed(Self.rejectedPlain) == .fail(Self.rejectedPlain))
    }

    @Test func allowGoesPlainFirstAndOverTLSWhenThePlainSessionIsTurnedAway() {
        var negotiation = TLSNegotiation(mode: .allow)
        #expect(negotiation.connected() == .startSession)
        #expect(negotiation.state == .inSession(tls: false))
        #expect(negotiation.sessionFailed(Self.rejectedPlain) == .reconnect)
        #expect(negotiation.connected() == .requestTLS)
        #expect(negotiation.answered(Self.yes, unreadBytes: 0, peer: "db") == .handshake)
        #expect(negotiation.handshakeSucceeded() == .startSession)
        #expect(negotiation.state == .inSession(tls: true))
        // The TLS attempt is the last: its failure is the answer.
        #expect(negotiation.sessionFailed(Self.badPassword) == .fail(Self.badPassword))
    }

    @Test func allowRetriesOnlyWhatTheServerRejectedAsAuthorization() {
        for error in [
            PostgresError(.refused, "connection refused"), PostgresError(.timeout, "timed out"),
            PostgresError(.server(sqlState: "53300"), "too many connections"),
            PostgresError(.authentication, "require_auth allows only scram-sha-256"),
        ] {
            var negotiation = TLSNegotiation(mode: .allow)
            _ = negotiation.connected()
            #expect(negotiation.sessionFailed(error) == .fail(error), "\(error)")
        }
    }

    @Test func allowsSecondAttemptNeedsAServerWithTLS() {
        var negotiation = TLSNegotiation(mode: .allow)
        _ = negotiation.connected()
        _ = negotiation.sessionFailed(Self.rejectedPlain)
        _ = negotiation.connected()
        guard case .fail(let error) = negotiation.answered(Self.no, unreadBytes: 0, peer: "db:5432") else {
            Issue.record("allow went on in plain text after the server refused plain text")
            return
        }
        #expect(error.kind == .tls(.notSupported))
        #expect(error.message == "db:5432 does not support TLS, and sslmode=allow requires it")
    }

    @Test func preferUsesTLSWhenOfferedAndPlainTextOnTheSameConnectionWhenNot() {
        var offered = TLSNegotiation(mode: .prefer)
        #expect(offered.connected() == .requestTLS)
        #expect(offered.answered(Self.yes, unreadBytes: 0, peer: "db") == .handshake)
        #expect(offered.handshakeSucceeded() == .startSession)
        #expect(offered.state == .inSession(tls: true))

        var declined = TLSNegotiation(mode: .prefer)
        _ = declined.connected()
        #expect(declined.answered(Self.no, unreadBytes: 0, peer: "db") == .startSession)
        #expect(declined.state == .inSession(tls: false))
        // No second attempt for a session that fails: prefer's fallback is for the handshake only.
        #expect(declined.sessionFailed(Self.rejectedPlain) == .fail(Self.rejectedPlain))
    }

    @Test func preferRetriesABrokenHandshakeOnceInPlainText() {
        var negotiation = TLSNegotiation(mode: .prefer)
        _ = negotiation.connected()
        _ = negotiation.answered(Self.yes, unreadBytes: 0, peer: "db")
        #expect(negotiation.handshakeFailed(Self.handshakeBroke) == .reconnect)
        #expect(negotiation.connected() == .startSession)
        #expect(negotiation.state == .inSession(tls: false))
    }

    @Test(arguments: [Mode.require, .verifyCA, .verifyFull])
    func theModesThatRequireTLSNeverFallBack(_ mode: Mode) {
        var declined = TLSNegotiation(mode: mode)
        #expect(declined.connected() == .requestTLS)
        guard case .fail(let error) = declined.answered(Self.no, unreadBytes: 0, peer: "db:5432") else {
            Issue.record("\(mode) went on without TLS")
            return
        }
        #expect(error.kind == .tls(.notSupported))

        var broken = TLSNegotiation(mode: mode)
        _ = broken.connected()
        _ = broken.answered(Self.yes, unreadBytes: 0, peer: "db")
        #expect(broken.handshakeFailed(Self.handshakeBroke) == .fail(Self.handshakeBroke))

        var untrusted = TLSNegotiation(mode: mode)
        _ = untrusted.connected()
        _ = untrusted.answered(Self.yes, unreadBytes: 0, peer: "db")
        let refused = PostgresError(.tls(.untrusted), "certificate not trusted")
        #expect(untrusted.handshakeFailed(refused) == .fail(refused))
    }

    @Test(arguments: [Mode.allow, .prefer, .require, .verifyCA, .verifyFull])
    func bytesBeforeTheHandshakeAndOddAnswersAreRefused(_ mode: Mode) {
        var negotiation = TLSNegotiation(mode: mode)
        if mode == .allow {
            _ = negotiation.connected()
            _ = negotiation.sessionFailed(Self.rejectedPlain)
        }
        #expect(negotiation.connected() == .requestTLS)
        guard case .fail(let injected) = negotiation.answered(Self.yes, unreadBytes: 5, peer: "db") else {
            Issue.record("bytes sent before encryption were accepted")
            return
        }
        #expect(injected.kind == .protocolViolation)

        var odd = TLSNegotiation(mode: mode)
        if mode == .allow {
            _ = odd.connected()
            _ = odd.sessionFailed(Self.rejectedPlain)
        }
        _ = odd.connected()
        guard case .fail(let error) = odd.answered(UInt8(ascii: "E"), unreadBytes: 0, peer: "db") else {
            Issue.record("an answer other than S or N was accepted")
            return
        }
        #expect(error.kind == .protocolViolation)
    }

    @Test func eventsOutOfOrderFailRatherThanGoOn() {
        var negotiation = TLSNegotiation(mode: .prefer)
        guard case .fail = negotiation.handshakeSucceeded() else {
            Issue.record("a handshake before any TLS request was taken")
            return
        }
        #expect(negotiation.state == .failed)
    }
}
