import Foundation
import TestSupport
import Testing

@testable import PostgresClient

/// Against the cluster of Tests/postgres/test-cluster.sh: one role per authentication method.
@Suite(.blockingIO) struct AuthenticationTests {
    static let environment = ProcessInfo.processInfo.environment
    static let required = environment["REQUIRE_POSTGRES_TESTS"] == "1"

    static let methods: [(String, String)] = {
        let names = ["SCRAM", "MD5", "PASSWORD", "TRUST"]
        let urls = names.compactMap { name in environment["TEST_DATABASE_URL_\(name)"].map { (name, $0) } }
        return required && urls.count < names.count ? names.map { ($0, "") } : urls
    }()

    /// Without a cluster these tests are skipped with this reason (not "No test cases found"); with
    /// REQUIRE_POSTGRES_TESTS=1 they run, and fail on the missing URLs.
    static let hasCluster = !methods.isEmpty
    static let skipped: Comment = "needs TEST_DATABASE_URL_*: eval \"$(Tests/postgres/test-cluster.sh start)\""

    /// `postgresql://user:password@host:port/database`, split by hand (the app's parser lives in AppCore).
    static func configuration(_ url: String, password override: String? = nil) throws -> PostgresConfiguration {
        let parts = try #require(URLComponents(string: url), "TEST_DATABASE_URL_* must be set in CI")
        return PostgresConfiguration(
            host: try #require(parts.host), port: parts.port ?? 5432, user: try #require(parts.user),
            password: override ?? parts.password, database: String(parts.path.dropFirst()),
            connectTimeout: .seconds(3), queryTimeout: .seconds(3))
    }

    @Test(.enabled(if: hasCluster, skipped), arguments: methods)
    func authenticatesAndQueries(_ method: String, _ url: String) async throws {
        let pool = PostgresPool(configuration: try Self.configuration(url), size: 2)
        let rows = try await pool.query("SELECT $1::text || ' via ' || current_user, 41 + $2::int", ["ok", "1"])
        #expect(rows.count == 1)
        #expect(rows.first?[1] == "42")
        #expect(rows.first?[0]?.hasPrefix("ok via ") == true)
    }

    /// Operators find the app's sessions in `pg_stat_activity` by this name.
    @Test(.enabled(if: hasCluster, skipped), arguments: methods.prefix(1))
    func sendsItsApplicationName(_ method: String, _ url: String) async throws {
        var configuration = try Self.configuration(url)
        configuration.applicationName = "course-app-test"
        let rows = try await PostgresPool(configuration: configuration, size: 1)
            .query("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        #expect(rows == [["course-app-test"]])
    }

    /// With `require_auth=scram-sha-256`, a server that asks for anything weaker is refused, never answered.
    @Test(.enabled(if: hasCluster, skipped), arguments: methods.filter { $0.0 != "SCRAM" })
    func requireAuthRefusesAWeakerMethod(_ method: String, _ url: String) async throws {
        var configuration = try Self.configuration(url)
        configuration.authentication = AuthenticationPolicy(allowing: [.scramSHA256])
        do {
            _ = try await PostgresPool(configuration: configuration, size: 1).query("SELECT 1")
            Issue.record("\(method) was accepted under require_auth=scram-sha-256")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.description.contains("require_auth allows only scram-sha-256"))
        }
    }

    @Test(.enabled(if: hasCluster, skipped), arguments: methods.filter { $0.0 != "TRUST" })
    func wrongPasswordIsAClearAuthenticationError(_ method: String, _ url: String) async throws {
        let pool = PostgresPool(configuration: try Self.configuration(url, password: "not-the-password"), size: 1)
        do {
            _ = try await pool.query("SELECT 1")
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.description.contains("password authentication failed"))
            #expect(error.description.contains("28P01"))
            #expect(!error.description.contains("not-the-password"))
        }
    }

    @Test(.enabled(if: hasCluster, skipped), arguments: methods.prefix(1))
    func serverErrorsCarryTheirSQLStateAndLeaveThePoolUsable(_ method: String, _ url: String) async throws {
        let pool = PostgresPool(configuration: try Self.configuration(url), size: 1)
        do {
            _ = try await pool.query("SELECT * FROM table_that_does_not_exist")
            Issue.record("the query should have failed")
        } catch {
            #expect(error.kind == .server(sqlState: "42P01"))
        }
        #expect(try await pool.query("SELECT 'still fine'") == [["still fine"]])
    }

    @Test func unreachableServerFailsFastWithAConnectionError() async {
        let configuration = PostgresConfiguration(
            host: "127.0.0.1", port: 1, user: "u", password: "p", database: "d", connectTimeout: .seconds(1))
        do {
            _ = try await PostgresPool(configuration: configuration, size: 1).query("SELECT 1")
            Issue.record("connected to nothing")
        } catch {
            #expect(error.kind == .refused)
            #expect(error.description.contains("refused"))
        }
    }

    @Test func unresolvableHostIsAConnectionError() async {
        let configuration = PostgresConfiguration(
            host: "no-such-host.invalid", port: 5432, user: "u", password: "p", database: "d",
            connectTimeout: .seconds(2))
        do {
            _ = try await PostgresPool(configuration: configuration, size: 1).query("SELECT 1")
            Issue.record("resolved an .invalid name")
        } catch {
            #expect(error.kind == .connection)
            #expect(error.description.contains("cannot resolve no-such-host.invalid"))
        }
    }

    /// A listener that accepts and never answers: the connect timeout must end the wait.
    @Test func silentServerTimesOut() async throws {
        let server = try SilentServer()
        let started = ContinuousClock.now
        do {
            _ = try await PostgresPool(configuration: server.configuration(connectTimeout: .milliseconds(300)), size: 1)
                .query("SELECT 1")
            Issue.record("a silent server answered")
        } catch {
            #expect(error.kind == .timeout)
        }
        // Kept listening until here, or it may close its listener early and reset the connection.
        withExtendedLifetime(server) {}
        // Far below the 30 s a connect without its own timeout could take, however busy the machine.
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
