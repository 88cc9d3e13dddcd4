import Dispatch
import Glibc
import HTTPServer
import Locking
import TestSupport
import Testing
import TextEscaping

@testable import AppCore

/// Collects what a logger writes, line by line.
private final class Lines: Sendable {
    let storage = Locked<[UInt8]>([])
    let sink: LogSink

    init() {
        let storage = self.storage
        sink = LogSink { bytes in storage.withLock { $0.append(contentsOf: bytes) } }
    }

    func logger(_ level: LogLevel, _ format: LogFormat = .text) -> Logger {
        Logger(level: level, format: format, sink: sink)
    }

    /// Every line written so far, each with its newline.
    var all: [String] {
        sink.flush()
        let text = String(decoding: storage.withLock { $0 }, as: UTF8.self)
        return text.split(separator: "\n").map { $0 + "\n" }
    }

    func json() throws -> [JSON] {
        try all.map { try JSONParser.parse(Array($0.dropLast().utf8)) }
    }
}

private let sampleRecord = RequestRecord(
    requestID: "abc-1", method: "GET", path: "/health", route: "/health", status: 200, bodyBytes: 16,
    duration: .microseconds(1500), remote: "127.0.0.1")

@Suite(.blockingIO) struct LoggerTests {
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

    @Test func textAccessLinesCarryRequestIDMethodPathStatusBytesAndDuration() {
        let lines = Lines()
        lines.logger(.info).access(sampleRecord)
        #expect(
            lines.all.first?.hasSuffix(
                " INFO request request_id=abc-1 method=GET path=/health status=200 bytes=16 duration_ms=1.50"
                    + " remote=127.0.0.1\n") == true)
    }

    @Test func clientTextCannotForgeTextLogLines() {
        let lines = Lines()
        lines.logger(.info).access(
            RequestRecord(
                requestID: "abc-2", method: "GET", path: "/x\nFAKE line", route: nil, status: 404, bodyBytes: 0,
                duration: .zero, remote: "-"))
        #expect(lines.all.first?.contains("path=\"/x\\x0aFAKE line\"") == true)
        #expect(lines.all.count == 1)
    }

    /// C1 controls, line separators and bidi overrides used to pass raw: a terminal or viewer could break the
    /// line or show it reordered.
    @Test func disguisingCharactersAreEscapedInBothFormats() throws {
        let path = "/a\u{85}b\u{2028}c\u{2029}d\u{202E}e\u{2066}f\u{9B}g"
        let record = RequestRecord(
            requestID: "abc-3", method: "GET", path: path, route: nil, status: 404, bodyBytes: 0, duration: .zero,
            remote: "-")
        let text = Lines()
        text.logger(.info).access(record)
        let line = try #require(text.all.first)
        #expect(line.contains("path=\"/a\\u{85}b\\u{2028}c\\u{2029}d\\u{202e}e\\u{2066}f\\u{9b}g\""))
        let json = Lines()
        json.logger(.info, .json).access(record)
        let raw = try #require(json.all.first)
        #expect(!raw.unicodeScalars.contains { $0.isDisguising })
        #expect(raw.contains("\\u2028"))
        #expect(try json.json().first?["path"] == .string(path))
    }

    @Test func jsonAccessLinesHaveTheDocumentedFieldsAndTypes() throws {
        let lines = Lines()
        lines.logger(.info, .json).access(sampleRecord)
        let line = try #require(try lines.json().first)
        guard case .object(let fields) = line else {
            Issue.record("not an object: \(line)")
            return
        }
        #expect(
            fields.map(\.0) == [
                "ts", "level", "msg", "request_id", "method", "path", "status", "bytes", "duration_ms", "remote",
            ])
        #expect(line["level"] == .string("INFO"))
        #expect(line["msg"] == .string("request"))
        #expect(line["request_id"] == .string("abc-1"))
        #expect(line["status"] == .integer(200))
        #expect(line["bytes"] == .integer(16))
        #expect(line["duration_ms"] == .number(1.5))
        guard case .string(let timestamp) = line["ts"] else {
            Issue.record("ts is not a string")
            return
        }
        // 2026-11-26T18:12:37.123Z
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z") && Array(timestamp)[19] == ".")
    }

    @Test func jsonLinesEscapeHostileText() throws {
        let lines = Lines()
        let logger = lines.logger(.debug, .json)
        logger.access(
            RequestRecord(
                requestID: "x", method: "GET", path: "/\"}\n{\"level\":\"CRITICAL\"\u{1}", route: nil, status: 404,
                bodyBytes: 0, duration: .zero, remote: "-"))
        logger.error("quote \" and backslash \\", [("key \"k\"", "line\nbreak")])
        let parsed = try lines.json()
        #expect(parsed.count == 2)
        #expect(parsed.first?["path"] == .string("/\"}\n{\"level\":\"CRITICAL\"\u{1}"))
        #expect(parsed.last?["key \"k\""] == .string("line\nbreak"))
    }

    @Test func aFullBufferDropsAndCountsLinesInsteadOfWaiting() {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let written = Locked(0)
        let sink = LogSink(capacity: 100) { bytes in
            entered.signal()
            release.wait()
            written.withLock { $0 += bytes.count { $0 == UInt8(ascii: "\n") } }
        }
        let line = String(repeating: "x", count: 29) + "\n"
        // The first line goes to the writer, which then blocks, as on a full pipe; three more fill the
        // buffer and the other sixteen are dropped, without waiting.
        sink.append(line)
        entered.wait()
        for _ in 0..<19 { sink.append(line) }
        #expect(sink.droppedLines == 16)
        release.signal()
        release.signal()
        sink.flush()
        #expect(written.withLock { $0 } + sink.droppedLines == 20)
    }

    @Test func timestampsAreRFC3339UTCWithMilliseconds() {
        #expect(Timestamp.format(seconds: 0, milliseconds: 7) == "1970-01-01T00:00:00.007Z")
    }

    /// The date arithmetic replaces `gmtime_r`: it must agree with it on leap days, century years that are
    /// and are not leap years, the ends of months, and before 1970.
    @Test(arguments: [
        -86_401, -1, 0, 68_169_599, 951_782_400, 951_868_799, 978_307_199, 1_709_251_199, 1_796_083_200,
        4_107_542_399, 4_107_542_400, 253_402_300_799,
    ])
    func timestampsAgreeWithTheCLibrary(seconds: Int) {
        var time = seconds
        var parts = tm()
        gmtime_r(&time, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let length = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let expected = String(decoding: text[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) + ".042Z"
        #expect(Timestamp.format(seconds: seconds, milliseconds: 42) == expected)
    }

    /// Plain text is copied without escaping; whatever is not must come out exactly as the escaping path
    /// writes it, in both formats.
    @Test(arguments: [
        "plain", "/api/notes/12", "", "with space", "a=b", "caf\u{e9}", "quote\"d", "back\\slash",
        "tab\there", "del\u{7f}", "bidi\u{202e}x",
    ])
    func fieldsAreEscapedExactlyWhenTheyNeedIt(value: String) throws {
        let lines = Lines()
        lines.logger(.info, .json).info("m", [("k", value)])
        let json = try #require(lines.all.first)
        #expect(json.hasSuffix(",\"k\":\(jsonQuoted(value))}\n"))
        #expect(try lines.json().first?["k"] == .string(value))

        let textLines = Lines()
        textLines.logger(.info).info("m", [("k", value)])
        let escaped = value.escapedForDisplay
        let quoted = escaped.isEmpty || escaped != value || value.contains(" ") || value.contains("=")
        #expect(textLines.all.first?.hasSuffix(" INFO m k=\(quoted ? "\"\(escaped)\"" : escaped)\n") == true)
    }
}

/// What DEBUG adds for a developer: the configuration, database connections, slow requests.
@Suite struct DebugLogTests {
    @Test func slowRequestsAreNotedAtDebugOnly() {
        let slow = RequestRecord(
            requestID: "r-9", method: "GET", path: "/api/notes", route: "/api/notes", status: 200, bodyBytes: 2,
            duration: .milliseconds(750), remote: "-")
        let debugLines = Lines()
        debugLines.logger(.debug).noteIfSlow(slow)
        debugLines.logger(.debug).noteIfSlow(sampleRecord)
        #expect(debugLines.all.count == 1)
        #expect(
            debugLines.all.first?.contains("DEBUG slow request request_id=r-9 route=/api/notes duration_ms=750") == true
        )
        let infoLines = Lines()
        infoLines.logger(.info).noteIfSlow(slow)
        #expect(infoLines.all.isEmpty)
    }

    @Test func theConfigurationSummaryNeverShowsASecret() throws {
        let config = try AppConfig.load(from: [
            "DATABASE_URL": "postgresql://app:Zq7-db-password@db:5432/notes", "SECRET_KEY": "Zq7-secret-key-0123456789",
        ])
        let text = config.summary.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        #expect(text.contains("database=postgresql://app:***@db:5432/notes"))
        #expect(text.contains("secret_key=set"))
        #expect(!text.contains("Zq7"))
    }

    @Test func databaseConnectionsAreLoggedAtDebug() async throws {
        let lines = Lines()
        let url = try AppConfig.load(from: ["DATABASE_URL": "postgresql://u:secretpw@127.0.0.1:1/db?connect_timeout=1"])
            .database
        let database = url.makeDatabase(logger: lines.logger(.debug))
        _ = try? await database.query("SELECT 1", [], deadline: .now + .seconds(5))
        let line = try #require(lines.all.first)
        #expect(line.contains("DEBUG database connection failed pool=requests"))
        #expect(line.contains("refused"))
        #expect(!line.contains("secretpw"))
    }
}

/// The log line's fast paths test bytes against constant sets: they must be exactly the plain characters.
@Suite struct LogLineMaskTests {
    @Test func plainSetsHoldPrintableASCIIButQuoteAndBackslash() {
        let printable = (UInt8(0x20)..<0x7F).filter { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        #expect(LogLine.plain == ByteSet(printable))
        #expect(
            LogLine.plainWithoutSpace
                == ByteSet(printable.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "=") }))
    }
}

/// The access line's keys are spelled out for each format: each must be its name, written as the format does.
@Suite struct LogKeyTests {
    @Test(arguments: LogKey.all.map { ($0.name.description, $0.json.description, $0.text.description) })
    func eachSpellingIsItsName(name: String, json: String, text: String) {
        #expect(json == ",\"\(name)\":")
        #expect(text == " \(name)=")
    }

    @Test func everyKeyIsListed() {
        #expect(Set(LogKey.all.map(\.name.description)).count == 7)
    }
}
