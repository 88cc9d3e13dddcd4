import DeadlineSocket
import PostgresClient
import TestSupport
import Testing

@testable import AppCore

@Suite struct DatabaseURLTests {
    private func parse(_ text: String) throws(ConfigError) -> DatabaseURL {
        try AppConfig.load(from: ["DATABASE_URL": text]).database
    }

    private func failure(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func parsesSQLiteForms() throws {
        #expect(try parse("sqlite:///:memory:") == .sqliteMemory)
        #expect(try parse("sqlite:///data/app.db") == .sqliteFile(path: "data/app.db"))
        #expect(try parse("sqlite:////var/lib/app.db") == .sqliteFile(path: "/var/lib/app.db"))
    }

    @Test func parsesFullPostgresURL() throws {
        let url = try parse("postgresql://app%40corp:p%3Ass@db.example.com:6543/notes?connect_timeout=3&pool_size=8")
        guard case .postgres(let postgres) = url else {
            Issue.record("expected postgres")
            return
        }
        #expect(postgres.user == "app@corp")
        #expect(postgres.password == "p:ss")
        #expect(postgres.host == "db.example.com")
        #expect(postgres.port == 6543)
        #expect(postgres.database == "notes")
        #expect(postgres.connectTimeoutSeconds == 3)
        #expect(postgres.poolSize == 8)
        #expect(postgres.applicationName == "swift-devops-sample")
        #expect(postgres.authentication == .any)
    }

    /// `application_name` used to be accepted and dropped; `require_auth` was unknown.
    @Test func keepsApplicationNameAndRequireAuth() throws {
        let url = try parse("postgresql://u:p@db/app?application_name=course%20app&require_auth=scram-sha-256")
        guard case .postgres(let postgres) = url else {
            Issue.record("expected postgres")
            return
        }
        #expect(postgres.applicationName == "course app")
        #expect(postgres.authentication.allowed == [.scramSHA256])
    }

    @Test(arguments: [
        "application_name=\(String(repeating: "a", count: 64))", "application_name=caf%C3%A9",
        "require_auth=kerberos", "require_auth=md5,!password",
    ])
    func refusesWhatPostgreSQLWouldMangleOrLibpqRefuse(_ option: String) {
        let message = failure("postgresql://u:secretpw@db/app?\(option)")
        #expect(message?.contains("DATABASE_URL") == true)
        #expect(message?.contains("secretpw") == false)
    }

    @Test func postgresDefaultsFollowLibpq() throws {
        guard case .postgres(let postgres) = try parse("postgres://localhost/devdb") else {
            Issue.record("expected postgres")
            return
        }
        #expect(postgres.user == "postgres")
        #expect(postgres.password == nil)
        #expect(postgres.port == 5432)
        #expect(postgres.database == "devdb")
    }

    @Test func acceptsBracketedIPv6Hosts() throws {
        guard case .postgres(let postgres) = try parse("postgresql://u@[::1]:5433/db") else {
            Issue.record("expected postgres")
            return
        }
        #expect(postgres.host == "::1")
        #expect(postgres.port == 5433)
    }

    @Test(arguments: [
        ("", PostgresConfiguration.TLSMode.prefer, TLSVerification.Roots.system),
        ("?sslmode=disable", .disable, .system), ("?sslmode=allow", .allow, .system),
        ("?sslmode=require", .require, .system), ("?sslmode=verify-ca", .verifyCA, .system),
        ("?sslmode=verify-full", .verifyFull, .system),
        // libpq's rules: system roots mean verify-full; a root file makes require check the chain.
        ("?sslrootcert=system", .verifyFull, .system),
        ("?sslmode=require&sslrootcert=/etc/ca.pem", .verifyCA, .file("/etc/ca.pem")),
        ("?sslrootcert=ca%20file.pem&sslmode=verify-full", .verifyFull, .file("ca file.pem")),
    ])
    func readsTheTLSOptionsAsLibpqDoes(
        _ query: String, _ mode: PostgresConfiguration.TLSMode, _ roots: TLSVerification.Roots
    ) throws {
        guard case .postgres(let url) = try parse("postgresql://u:p@db/app" + query) else {
            Issue.record("expected postgres")
            return
        }
        #expect(url.tlsMode == mode)
        #expect(url.rootCertificates == roots)
    }

    @Test func showsTheTLSModeUnlessItIsTheDefault() throws {
        #expect(try parse("postgresql://u:p@db/app").description == "postgresql://u:***@db:5432/app")
        #expect(
            try parse("postgresql://u:p@db/app?sslmode=verify-full&sslrootcert=/ca.pem").description
                == "postgresql://u:***@db:5432/app?sslmode=verify-full&sslrootcert=/ca.pem")
    }

    @Test func redactsThePasswordWhenShown() throws {
        let url = try parse("postgresql://user:hunter2hunter2@db:5432/app")
        #expect(url.description == "postgresql://user:***@db:5432/app")
    }

    @Test(arguments: [
        "mysql://u:p@h/db", "sqlite://relative.db", "sqlite:///", "", "postgresql://u:p@:5432/db",
        "postgresql://u:p@h:0/db", "postgresql://u:p@h:99999/db", "postgresql://u:p@h/db?sslmode=required",
        "postgresql://u:p@h/db?sslrootcert=system&sslmode=require", "postgresql://u:p@h/db?sslrootcert=",
        "postgresql://u:p@h/db?bogus=1", "postgresql://u:p%zz@h/db", "postgresql://u:p@h/db?pool_size=0",
    ])
    func rejectsInvalidURLs(_ text: String) {
        let message = failure(text)
        #expect(message?.hasPrefix("configuration error: DATABASE_URL=") == true)
    }

    /// `sqlite://notes.db` is one slash short: the message says so rather than call the scheme unknown.
    @Test func aSQLiteURLWithTwoSlashesGetsAHint() {
        #expect(
            failure("sqlite://notes.db")?.contains("three slashes before a relative path: sqlite:///notes.db") == true)
        #expect(failure("mysql://u:p@h/db")?.contains("unknown scheme") == true)
    }

    @Test func neverShowsThePasswordOfARejectedURL() {
        let message = failure("postgresql://admin:topsecretpw@db:5432/app?sslmode=verify-everything")
        #expect(message?.contains("topsecretpw") == false)
        #expect(message?.contains("postgresql://***@db:5432/app") == true)
        #expect(
            message?.contains("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full") == true)
    }

    /// A password may hold `/`, `?`, `#`, `:` and `@` unescaped: the user information runs to the last `@`.
    @Test func takesEverythingUpToTheLastAtAsUserInformation() throws {
        guard case .postgres(let postgres) = try parse("postgresql://u:4321/SECRET?x#y@tail@db.internal:6000/notes")
        else {
            Issue.record("expected postgres")
            return
        }
        #expect(postgres.password == "4321/SECRET?x#y@tail")
        #expect(postgres.host == "db.internal")
        #expect(postgres.port == 6000)
        #expect(postgres.database == "notes")
        #expect(try parse("postgresql://u:ab/cdSECRET@host:5432/db").description == "postgresql://u:***@host:5432/db")
    }

    @Test func neverShowsAnyPartOfAGeneratedPassword() {
        for url in SecretURLs.all() {
            let shown: String
            do {
                shown = try parse(url).description
            } catch {
                shown = error.description
            }
            #expect(!shown.contains(SecretURLs.marker), "\(url) shown as \(shown)")
        }
    }

    @Test func escapesControlsInTheReasonForARejectedURL() {
        let message = failure("postgresql://u@h/db?sslmode=x\r\nFORGED\u{2028}\u{202E}")
        #expect(message?.contains("\r") == false)
        #expect(message?.contains("\n") == false)
        #expect(message?.contains("\u{2028}") == false)
        #expect(message?.contains("\u{202E}") == false)
        #expect(message?.contains("sslmode=x\\x0d\\x0aFORGED\\u{2028}\\u{202e}") == true)
    }
}
