import DeadlineSocket
import Testing

@testable import PostgresClient

/// `PostgresConfiguration(url:)`: libpq's connection URL, its options and its defaults (the configuration's own).
@Suite struct PostgresURLTests {
    private func parse(_ text: String) throws -> PostgresConfiguration {
        try PostgresConfiguration(url: text)
    }

    private func reason(_ text: String) -> String? {
        do {
            _ = try PostgresConfiguration(url: text)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func readsEveryPart() throws {
        let postgres = try parse(
            "postgresql://app%40corp:p%3Ass@db.example.com:6543/notes?connect_timeout=3&pool_size=8")
        #expect(postgres.user == "app@corp")
        #expect(postgres.password == "p:ss")
        #expect(postgres.host == "db.example.com")
        #expect(postgres.port == 6543)
        #expect(postgres.database == "notes")
        #expect(postgres.connectTimeout == .seconds(3))
        #expect(postgres.poolSize == 8)
        #expect(postgres.applicationName == "swift-devops-sample")
        #expect(postgres.authentication == .any)
    }

    @Test func keepsApplicationNameAndRequireAuth() throws {
        let postgres = try parse("postgresql://u:p@db/app?application_name=course%20app&require_auth=scram-sha-256")
        #expect(postgres.applicationName == "course app")
        #expect(postgres.authentication.allowed == [.scramSHA256])
    }

    /// What the URL leaves out is the configuration's own default, written once in `init(host:...)`.
    @Test func whatTheURLLeavesOutIsTheConfigurationsDefault() throws {
        let postgres = try parse("postgres://localhost/devdb")
        #expect(
            postgres == PostgresConfiguration(host: "localhost", user: "postgres", password: nil, database: "devdb"))
        #expect(try parse("postgres://alice@db").database == "alice")
    }

    @Test func acceptsBracketedIPv6Hosts() throws {
        let postgres = try parse("postgresql://u@[::1]:5433/db")
        #expect(postgres.host == "::1")
        #expect(postgres.port == 5433)
        #expect(postgres.redactedURL == "postgresql://u@[::1]:5433/db")
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
        let postgres = try parse("postgresql://u:p@db/app" + query)
        #expect(postgres.tlsMode == mode)
        #expect(postgres.rootCertificates == roots)
    }

    @Test func theRedactedURLShowsTheTLSModeUnlessItIsTheDefault() throws {
        #expect(try parse("postgresql://u:p@db/app").redactedURL == "postgresql://u:***@db:5432/app")
        #expect(
            try parse("postgresql://u:p@db/app?sslmode=verify-full&sslrootcert=/ca.pem").redactedURL
                == "postgresql://u:***@db:5432/app?sslmode=verify-full&sslrootcert=/ca.pem")
    }

    /// A password may hold `/`, `?`, `#`, `:` and `@` unescaped: the user information runs to the last `@`.
    @Test func takesEverythingUpToTheLastAtAsUserInformation() throws {
        let postgres = try parse("postgresql://u:4321/SECRET?x#y@tail@db.internal:6000/notes")
        #expect(postgres.password == "4321/SECRET?x#y@tail")
        #expect(postgres.host == "db.internal")
        #expect(postgres.port == 6000)
        #expect(postgres.database == "notes")
        #expect(try parse("postgresql://u:ab/cdSECRET@host:5432/db").redactedURL == "postgresql://u:***@host:5432/db")
    }

    @Test(arguments: [
        ("postgresql://u:p@:5432/db", "no host"), ("postgresql://u:p@h:0/db", "port must be 1 to 65535"),
        ("postgresql://u:p@h:99999/db", "port must be 1 to 65535"),
        (
            "postgresql://u:p@h/db?sslmode=required",
            "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full"
        ),
        (
            "postgresql://u:p@h/db?sslrootcert=system&sslmode=require",
            "sslrootcert=system needs sslmode=verify-full (or no sslmode)"
        ),
        ("postgresql://u:p@h/db?sslrootcert=", "sslrootcert must be a file path or system"),
        ("postgresql://u:p@h/db?bogus=1", "unknown option bogus"),
        ("postgresql://u:p%zz@h/db", "bad percent-escape in password"),
        ("postgresql://u:p@h/db?pool_size=0", "pool_size must be 1 to 64"),
        ("postgresql://u:p@h/db?connect_timeout=301", "connect_timeout must be 1 to 300"),
        ("postgresql://:p@h/db", "empty user name"), ("postgresql://u@[::1/db", "unclosed [ in host"),
        (
            "postgresql://u@h/db?application_name=caf%C3%A9",
            "application_name must be at most 63 printable ASCII characters"
        ),
        ("postgresql//u@h/db", "no scheme"),
    ])
    func refusesWithAReasonThatHoldsNoPassword(_ text: String, _ expected: String) {
        #expect(reason(text) == expected)
    }
}
