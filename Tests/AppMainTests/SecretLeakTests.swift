import Foundation
import TestSupport
import Testing

/// A password in `DATABASE_URL` must appear nowhere the app writes or answers, whatever the URL looks like.
@Suite(.blockingIO) struct SecretLeakTests {
    @Test func checkNeverPrintsAGeneratedPassword() throws {
        for url in SecretURLs.all() {
            let result = try AppProcess.run(["check"], environment: ["DATABASE_URL": url])
            let output = result.stdout + result.stderr
            #expect(!output.contains(SecretURLs.marker), "check with \(url) printed: \(output)")
        }
    }

    /// The URLs that parse, served: the startup line, the database's error in the log, and every route that
    /// shows state. The server they name refuses connections, so the failure path is the one exercised.
    @Test func serveNeverShowsAGeneratedPassword() throws {
        let parseable = SecretURLs.all().filter { url in
            (try? AppProcess.run(["check"], environment: ["DATABASE_URL": url]).status) == 0
        }
        #expect(parseable.count > 100)
        // Every fourteenth keeps the test short while still covering each delimiter before and after.
        for url in parseable.enumerated().filter({ $0.offset % 14 == 0 }).map(\.element) {
            let server = try RunningServer(environment: ["DATABASE_URL": url, "LOG_LEVEL": "DEBUG"])
            var shown = ""
            for path in ["/health", "/version", "/metrics", "/api/notes"] {
                shown += try server.get(path).body
            }
            _ = server.stop()
            shown += server.allOutput
            #expect(shown.contains("database"))
            #expect(!shown.contains(SecretURLs.marker), "serve with \(url) showed: \(shown)")
        }
    }
}
