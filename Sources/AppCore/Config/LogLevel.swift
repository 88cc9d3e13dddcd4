/// Python's logging level names, which the course uses; ordered from most to least verbose.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug
    case info
    case warning
    case error
    case critical

    public var name: String { constantName.description }

    /// The name as a constant, which a log line copies without a `String` in between.
    var constantName: StaticString {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO"
        case .warning: "WARNING"
        case .error: "ERROR"
        case .critical: "CRITICAL"
        }
    }

    /// Any case is accepted: `debug`, `Debug`, `DEBUG`.
    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = level
    }

    /// DEBUG where a developer reads the terminal, INFO everywhere else.
    public static func defaultFor(environment: String) -> LogLevel {
        environment == "development" ? .debug : .info
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
