import DeadlineSocket
import Foundation
import TestSupport
import Testing

@testable import PostgresClient

/// sslmode against the clusters of Tests/postgres/test-cluster.sh: one with TLS on (a certificate for
/// "localhost" from a CA made at test time), one with TLS off.
@Suite(.blockingIO) struct TLSTests {
    static let environment = ProcessInfo.processInfo.environment
    static let ca = environment["TEST_TLS_CA"]
    static let otherCA = environment["TEST_TLS_OTHER_CA"]
    static let hasClusters =
        AuthenticationTests.required
        || (ca != nil && environment["TEST_DATABASE_URL_SCRAM"] != nil
            && environment["TEST_DATABASE_URL_NO_TLS"] != nil)
    static let skipped: Comment = "needs the TLS test clusters: eval \"$(Tests/postgres/test-cluster.sh start)\""

    /// scram_user on the TLS cluster, reached as `host`.
    static func tlsCluster(
        host: String = "localhost", _ mode: PostgresConfiguration.TLSMode, roots: TLSVerification.Roots = .system
    ) throws -> PostgresConfiguration {
        var configuration = try AuthenticationTests.configuration(
            try #require(environment["TEST_DATABASE_URL_SCRAM"], "TEST_DATABASE_URL_SCRAM must be set in CI"))
        configuration.host = host
        configuration.tlsMode = mode
        configuration.rootCertificates = roots
        return configuration
    }

    static func plainCluster(_ mode: PostgresConfiguration.TLSMode) throws -> PostgresConfiguration {
        var configuration = try AuthenticationTests.configuration(
            try #require(environment["TEST_DATABASE_URL_NO_TLS"], "TEST_DATABASE_URL_NO_TLS must be set in CI"))
        configuration.tlsMode = mode
        return configuration
    }

    /// Whether the session the query ran on is encrypted, as the server sees it.
    static func encrypted(_ configuration: PostgresConfiguration) async throws -> Bool {
        let rows = try await PostgresPool(configuration: configuration, size: 1)
            .query("SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)::text")
        return rows == [["true"]]
    }

    static func refusal(_ configuration: PostgresConfiguration) async -> PostgresError? {
        do {
            _ = try await PostgresPool(configuration: configuration, size: 1).query("SELECT 1")
            return nil
        } catch {
            return error
        }
    }

    @Test(.enabled(if: hasClusters, skipped))
    func verifyFullWithTheCAConnectsEncrypted() async throws {
        let ca = try #require(Self.ca)
        #expect(try await Self.encrypted(try Self.tlsCluster(.verifyFull, roots: .file(ca))))
        #expect(try await Self.encrypted(try Self.tlsCluster(.verifyCA, roots: .file(ca))))
    }

    @Test(.enabled(if: hasClusters, skipped))
    func requireAndPreferEncryptWithoutCheckingAndDisableDoesNot() async throws {
        #expect(try await Self.encrypted(try Self.tlsCluster(host: "127.0.0.1", .require)))
        #expect(try await Self.encrypted(try Self.tlsCluster(host: "127.0.0.1", .prefer)))
        #expect(try await !Self.encrypted(try Self.tlsCluster(host: "127.0.0.1", .disable)))
        #expect(try await !Self.encrypted(try Self.tlsCluster(host: "127.0.0.1", .allow)))
    }

    @Test(.enabled(if: hasClusters, skipped))
    func anotherCAIsRefusedAsUntrusted() async throws {
        let error = await Self.refusal(try Self.tlsCluster(.verifyFull, roots: .file(try #require(Self.otherCA))))
        #expect(error?.kind == .tls(.untrusted))
        #expect(error?.description.contains("certificate") == true)
        // The public roots never signed a test CA either.
        #expect(await Self.refusal(try Self.tlsCluster(.verifyFull, roots: .system))?.kind == .tls(.untrusted))
    }

    @Test(.enabled(if: hasClusters, skipped))
    func aHostTheCertificateDoesNotNameIsRefused() async throws {
        let ca = try #require(Self.ca)
        let error = await Self.refusal(try Self.tlsCluster(host: "127.0.0.1", .verifyFull, roots: .file(ca)))
        #expect(error?.kind == .tls(.hostNameMismatch))
        #expect(error?.description.contains("127.0.0.1") == true)
        // verify-ca checks the chain only: the same host is fine.
        #expect(try await Self.encrypted(try Self.tlsCluster(host: "127.0.0.1", .verifyCA, roots: .file(ca))))
    }

    @Test(.enabled(if: hasClusters, skipped))
    func aServerWithoutTLSIsRefusedWhenTLSIsRequiredAndUsedInPlainTextOtherwise() async throws {
        for mode in [PostgresConfiguration.TLSMode.require, .verifyCA, .verifyFull] {
            let error = await Self.refusal(try Self.plainCluster(mode))
            #expect(error?.kind == .tls(.notSupported), "\(mode)")
            #expect(error?.description.contains("does not support TLS") == true)
        }
        for mode in [PostgresConfiguration.TLSMode.prefer, .allow, .disable] {
            #expect(try await !Self.encrypted(try Self.plainCluster(mode)), "\(mode)")
        }
    }

    /// tls_only_user may log in over TLS only (`hostnossl ... reject`): `allow` goes plain first, is turned
    /// away, and tries again over TLS, as libpq's `psql "... sslmode=allow"` does.
    @Test(.enabled(if: hasClusters, skipped))
    func allowTriesTLSWhenPlainTextIsTurnedAway() async throws {
        var configuration = try AuthenticationTests.configuration(
            try #require(Self.environment["TEST_DATABASE_URL_TLS_ONLY"], "TEST_DATABASE_URL_TLS_ONLY must be set in CI")
        )
        configuration.tlsMode = .allow
        #expect(try await Self.encrypted(configuration))
        configuration.tlsMode = .disable
        let error = await Self.refusal(configuration)
        #expect(error?.kind == .authentication)
        #expect(error?.sqlState == "28000")
    }

    @Test(.enabled(if: hasClusters, skipped))
    func aWrongPasswordOverTLSIsStillAnAuthenticationError() async throws {
        var configuration = try Self.tlsCluster(.verifyFull, roots: .file(try #require(Self.ca)))
        configuration.password = "not-the-password"
        #expect(await Self.refusal(configuration)?.kind == .authentication)
    }
}
