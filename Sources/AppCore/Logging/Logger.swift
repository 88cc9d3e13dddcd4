import Glibc
import HTTPServer

/// Writes leveled log lines to standard output, one `write` per line so lines from two threads never mix.
public struct Logger: Sendable {
    public let level: LogLevel
    private let write: @Sendable (String) -> Void

    /// `write` receives each finished line, newline included; the default writes to standard output.
    public init(level: LogLevel, write: @escaping @Sendable (String) -> Void = Logger.standardOutput) {
        self.level = level
        self.write = write
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    /// `fields` follow the message as `key=value`; values with spaces or quotes are quoted.
    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)] = []) {
        guard isEnabled(level) else { return }
        emit(level, message, fields)
    }

    /// Written whatever the level: the startup and shutdown lines an operator always needs to see.
    public func announce(_ message: String, _ fields: [(String, String)] = []) {
        emit(.info, message, fields)
    }

    private func emit(_ level: LogLevel, _ message: String, _ fields: [(String, String)]) {
        var line = "\(Timestamp.now()) \(level.name) \(message.escapedForDisplay)"
        for (key, value) in fields {
            line += " \(key)=\(Self.quotedIfNeeded(value))"
        }
        write(line + "\n")
    }

    public func debug(_ message: String, _ fields: [(String, String)] = []) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: [(String, String)] = []) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: [(String, String)] = []) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: [(String, String)] = []) { log(.error, message, fields) }

    /// One access line per answered request, at INFO.
    public func access(_ record: RequestRecord) {
        guard isEnabled(.info) else { return }
        let milliseconds =
            Double(record.duration.components.attoseconds) / 1e15
            + Double(record.duration.components.seconds) * 1000
        info(
            "request",
            [
                ("method", record.method), ("path", record.path), ("status", String(record.status)),
                ("bytes", String(record.bodyBytes)), ("duration_ms", Self.format(milliseconds)),
                ("remote", record.remote),
            ])
    }

    private static func format(_ milliseconds: Double) -> String {
        let hundredths = Int((milliseconds * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func quotedIfNeeded(_ value: String) -> String {
        let escaped = value.escapedForDisplay
        let needsQuotes = escaped.isEmpty || escaped != value || value.contains(" ") || value.contains("=")
        return needsQuotes ? "\"\(escaped)\"" : value
    }

    public static let standardOutput: @Sendable (String) -> Void = { line in
        var remaining = Array(line.utf8)[...]
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            remaining = remaining.dropFirst(written)
        }
    }
}
