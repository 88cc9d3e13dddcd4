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

    @Test(arguments: [
        "application_name=\(String(repeating: "a", count: 64))", "application_name=caf%C3%A9",
        "require_auth=kerberos", "require_auth=md5,!password",
    ])
    func refusesWhatPostgreSQLWouldMangleOrLibpqRefuse(_ option: String) {
        let message = failure("postgresql://u:secretpw@db/app?\(option)")
        #expect(message?.contains("DATABASE_URL") == true)
        #expect(message?.contains("secretpw") == false)
    }

    /// The URL itself is `PostgresURLTests`' subject; here, that the app shows it redacted.
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
