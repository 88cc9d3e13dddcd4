import PostgresClient
import TextEscaping

/// Where the app keeps its data, parsed from `DATABASE_URL`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqliteMemory
    /// A file path, absolute (`sqlite:////data/app.db`) or relative to the working directory (`sqlite:///app.db`).
    case sqliteFile(path: String)
    case postgres(PostgresConfiguration)

    public static let accepted =
        "sqlite:///:memory:, sqlite:///relative.db, sqlite:////absolute/path.db, "
        + "or postgresql://user:password@host:port/dbname"

    /// `variable` names the variable in the error line of a URL refused.
    init(parsing text: String, variable: String) throws(ConfigError) {
        let reject = { (reason: String) in
            ConfigError(
                variable,
                hiddenValue: "\"\(DatabaseURL.redact(text).escapedForDisplay)\" (\(reason.escapedForDisplay))",
                accepted: DatabaseURL.accepted)
        }
        if text == "sqlite:///:memory:" {
            self = .sqliteMemory
        } else if text.hasPrefix("sqlite:///") {
            let path = String(text.dropFirst("sqlite:///".count))
            guard !path.isEmpty, path != "/", !path.contains("\0") else { throw reject("no file path") }
            self = .sqliteFile(path: path)
        } else if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            do {
                self = .postgres(try PostgresConfiguration(url: text))
            } catch {
                throw reject(error.reason)
            }
        } else if text.lowercased().hasPrefix("sqlite:") {
            // sqlite://notes.db would make "notes.db" a host name, as in any URL.
            throw reject("a SQLite URL has three slashes before a relative path: sqlite:///notes.db")
        } else {
            throw reject("unknown scheme")
        }
    }

    /// The database this URL names. Nothing connects until the first query.
    public func makeDatabase(logger: Logger? = nil) -> any SQLDatabase {
        switch self {
        case .sqliteMemory: SQLiteDatabase(path: ":memory:")
        case .sqliteFile(let path): SQLiteDatabase(path: path)
        case .postgres(let configuration): PostgresDatabase(configuration: configuration, logger: logger)
        }
    }

    /// The URL as it may be logged: never with its password.
    public var description: String {
        switch self {
        case .sqliteMemory: "sqlite:///:memory:"
        case .sqliteFile(let path): "sqlite:///\(path)"
        case .postgres(let configuration): configuration.redactedURL
        }
    }

    /// What may be shown of a URL that failed to parse: nothing of its user information, which is taken, as
    /// the parser takes it, to run from `://` to the last `@`.
    static func redact(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"),
            at >= schemeEnd.upperBound
        else { return text }
        return String(text[..<schemeEnd.upperBound]) + "***" + String(text[at...])
    }
}
