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
        emit(level, message, fields.map { ($0.0, .string($0.1)) })
    }

    /// Written whatever the level: the startup and shutdown lines an operator always needs to see.
    public func announce(_ message: String, _ fields: [(String, String)] = []) {
        emit(.info, message, fields.map { ($0.0, .string($0.1)) })
    }

    public func debug(_ message: String, _ fields: [(String, String)] = []) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: [(String, String)] = []) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: [(String, String)] = []) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: [(String, String)] = []) { log(.error, message, fields) }

    /// One access line per answered request, at INFO. The path is logged without its query string, which
    /// may carry secrets.
    public func access(_ record: RequestRecord) {
        guard isEnabled(.info) else { return }
        emit(
            .info, "request",
            [
                ("request_id", .string(record.requestID)), ("method", .string(record.method)),
                ("path", .string(record.path)), ("status", .integer(record.status)),
                ("bytes", .integer(record.bodyBytes)),
                ("duration_ms", .hundredths(Int((record.duration.inSeconds * 100_000).rounded()))),
                ("remote", .string(record.remote)),
            ])
    }

    /// Requests slower than this are noted at DEBUG, with their route, beside their access line.
    public static let slowRequest = Duration.milliseconds(500)

    public func noteIfSlow(_ record: RequestRecord) {
        guard record.duration >= Self.slowRequest, isEnabled(.debug) else { return }
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

    private func emit(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)]) {
        let timestamp = Timestamp.now()
        switch format {
        case .json:
            var line = "{\"ts\":\"\(timestamp)\",\"level\":\"\(level.name)\",\"msg\":\(jsonQuoted(message))"
            for (key, value) in fields {
                line += ",\(jsonQuoted(key)):\(value.json)"
            }
            sink.append(line + "}\n")
        case .text:
            var line = "\(timestamp) \(level.name) \(message.escapedForDisplay)"
            for (key, value) in fields {
                line += " \(key)=\(value.text)"
            }
            sink.append(line + "\n")
        }
    }
}

/// A field's value: strings are quoted in JSON, numbers are not.
enum LogValue {
    case string(String)
    case integer(Int)
    /// A decimal with two places, such as milliseconds: 150 is `1.50`.
    case hundredths(Int)

    var json: String {
        switch self {
        case .string(let text): jsonQuoted(text)
        case .integer, .hundredths: text
        }
    }

    var text: String {
        switch self {
        case .string(let value):
            let escaped = value.escapedForDisplay
            let needsQuotes = escaped.isEmpty || escaped != value || value.contains(" ") || value.contains("=")
            return needsQuotes ? "\"\(escaped)\"" : value
        case .integer(let value):
            return String(value)
        case .hundredths(let value):
            let fraction = value % 100
            return "\(value / 100).\(fraction < 10 ? "0" : "")\(fraction)"
        }
    }
}
