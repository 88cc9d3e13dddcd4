/// A value bound to, or read from, a SQL statement.
public enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null

    /// PostgreSQL returns every column as text; SQLite returns integers as integers.
    var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .text(let text): Int64(text)
        case .null: nil
        }
    }

    var string: String? {
        switch self {
        case .integer(let value): String(value)
        case .text(let text): text
        case .null: nil
        }
    }
}

/// Why a storage operation failed. `message` is safe to show: it never holds a password.
public struct StoreError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The database cannot be reached right now (refused, timed out, closed): worth retrying.
        case unavailable
        /// The database answered with an error.
        case failed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The one thing the notes code needs from a database: run a statement with `$1`-style parameters.
public protocol SQLDatabase: Sendable {
    /// `CREATE TABLE IF NOT EXISTS notes ...` in this database's dialect.
    var createNotesTable: String { get }
    func query(_ sql: String, _ parameters: [SQLValue], timeout: Duration?) async throws(StoreError) -> [[SQLValue]]
}
