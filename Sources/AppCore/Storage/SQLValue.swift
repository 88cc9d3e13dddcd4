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
