import HTTPServer
import TextEscaping

/// Writes leveled log lines, as JSON objects or `key=value` text, through a `LogSink` (which never blocks).
public struct Logger: Sendable {
    public let level: LogLevel
    public let format: LogFormat
    public let sink: LogSink

    public init(level: LogLevel, format: LogFormat = .text, sink: LogSink = LogSink()) {
        self.level = level
        self.format = format
        self.sink = sink
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    /// `fields` follow the message: `key=value` in text (quoted when needed), string members in JSON.
    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)] = []) {
        guard isEnabled(level) else { return }
        emit(level, message, fields)
    }

    /// Written whatever the level: the startup and shutdown lines an operator always needs to see.
    public func announce(_ message: String, _ fields: [(String, String)] = []) {
        emit(.info, message, fields)
    }

    public func debug(_ message: String, _ fields: [(String, String)] = []) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: [(String, String)] = []) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: [(String, String)] = []) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: [(String, String)] = []) { log(.error, message, fields) }

    /// One access line per answered request, at INFO. The path is logged without its query string, which
    /// may carry secrets. Encoded field by field into stack memory, with no array or `String` in between:
    /// with logs on, this runs once per request.
    public func access(_ record: borrowing RequestRecord) {
        guard isEnabled(.info) else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: LogLine.scratchBytes) { scratch in
            var line = LogLine(accessLineIn: format, scratch: scratch)
            line.requestIDField(of: record)
            line.field(.method, record.method)
            record.withPath { line.field(.path, utf8: $0) }
            line.field(.status, integer: record.status)
            line.field(.bytes, integer: record.bodyBytes)
            // Hundredths of a millisecond are ten thousand nanoseconds, rounded half up (in integers: no
            // conversion to Double, and no overflow at a saturated duration).
            let (hundredths, rest) = record.nanoseconds.quotientAndRemainder(dividingBy: 10_000)
            line.field(.durationMS, hundredths: Int(hundredths + (rest >= 5_000 ? 1 : 0)))
            line.field(.remote, record.remote)
            line.finish { sink.append($0) }
        }
    }

    /// Requests slower than this are noted at DEBUG, with their route, beside their access line.
    public static let slowRequest = Duration.milliseconds(500)

    public func noteIfSlow(_ record: RequestRecord) {
        guard isEnabled(.debug), record.duration >= Self.slowRequest else { return }
        debug(
            "slow request",
            [
                ("request_id", record.requestID), ("route", record.route ?? "-"),
                ("duration_ms", String(Int((record.duration.inSeconds * 1000).rounded()))),
            ])
    }

    /// Waits until every line so far is written, or `timeout` passes.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        sink.flush(timeout: timeout)
    }

    private func emit(_ level: LogLevel, _ message: String, _ fields: [(String, String)]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: LogLine.scratchBytes) { scratch in
            var line = LogLine(format, level: level, message: message, scratch: scratch)
            for (key, value) in fields { line.field(named: key, value) }
            line.finish { sink.append($0) }
        }
    }
}
