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

/// Why a storage operation failed.
public struct StoreError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The database cannot be reached right now (refused, timed out, closed, starting up): worth retrying.
        case unavailable
        /// The database answered with an error.
        case failed
    }

    public let kind: Kind
    /// The class of failure in a few words ("timed out", "refused", "starting up"): safe to show anyone,
    /// so `/health` shows this and nothing else.
    public let cause: String
    /// The details, for the log: never a password, but it may name the host, port, user or file.
    public let message: String

    public init(_ kind: Kind, cause: String, _ message: String) {
        self.kind = kind
        self.cause = cause
        self.message = message
    }

    public var description: String { message }
}

/// The one thing the notes code needs from a database: run a statement with `$1`-style parameters.
public protocol SQLDatabase: Sendable {
    /// `CREATE TABLE IF NOT EXISTS notes ...` in this database's dialect.
    var createNotesTable: String { get }
    /// A statement for a request. Waiting for a connection, connecting and the round trip all end by
    /// `deadline`, or it fails as `.unavailable` ("timed out").
    func query(_ sql: String, _ parameters: [SQLValue], deadline: ContinuousClock.Instant) async throws(StoreError)
        -> [[SQLValue]]
    /// A statement for the health monitor, on a connection requests never use where the database has
    /// connections, so a check never waits behind them; by `deadline` too.
    func monitorQuery(_ sql: String, deadline: ContinuousClock.Instant) async throws(StoreError)
}
