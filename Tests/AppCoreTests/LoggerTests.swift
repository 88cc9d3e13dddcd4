import HTTPServer
import Locking
import Testing

@testable import AppCore

/// Collects what a logger writes.
private final class Lines: Sendable {
    let storage = Locked<[String]>([])
    var all: [String] { storage.withLock { $0 } }
    func logger(_ level: LogLevel) -> Logger {
        Logger(level: level) { line in self.storage.withLock { $0.append(line) } }
    }
}

@Suite struct LoggerTests {
    @Test func filtersBelowTheConfiguredLevel() {
        let lines = Lines()
        let logger = lines.logger(.warning)
        logger.info("hidden")
        logger.warning("shown")
        logger.error("also shown")
        #expect(lines.all.count == 2)
        #expect(lines.all[0].contains(" WARNING shown"))
    }

    @Test func announcementsIgnoreTheLevel() {
        let lines = Lines()
        lines.logger(.critical).announce("started", [("app_env", "test")])
        #expect(lines.all.count == 1)
        #expect(lines.all[0].hasSuffix(" INFO started app_env=test\n"))
    }

    @Test func accessLinesCarryMethodPathStatusBytesAndDuration() {
        let lines = Lines()
        lines.logger(.info).access(
            RequestRecord(
                method: "GET", path: "/health", route: "/health", status: 200, bodyBytes: 16,
                duration: .microseconds(1500), remote: "127.0.0.1"))
        #expect(
            lines.all.first?.hasSuffix(
                " INFO request method=GET path=/health status=200 bytes=16 duration_ms=1.50 remote=127.0.0.1\n") == true
        )
    }

    @Test func clientTextCannotForgeLogLines() {
        let lines = Lines()
        lines.logger(.info).access(
            RequestRecord(
                method: "GET", path: "/x\nFAKE line", route: nil, status: 404, bodyBytes: 0, duration: .zero,
                remote: "-"))
        #expect(lines.all.first?.contains("path=\"/x\\x0aFAKE line\"") == true)
        #expect(lines.all.first?.filter { $0 == "\n" }.count == 1)
    }

    @Test func timestampsAreRFC3339UTCWithMilliseconds() {
        #expect(Timestamp.format(seconds: 0, milliseconds: 7) == "1970-01-01T00:00:00.007Z")
    }
}
