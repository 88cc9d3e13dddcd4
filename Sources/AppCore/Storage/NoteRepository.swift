/// A note as the API shows it.
public struct Note: Sendable, Equatable {
    public let id: Int64
    public let text: String
    /// RFC 3339, UTC, with milliseconds.
    public let createdAt: String

    var json: JSON {
        .object([("id", .integer(Int(id))), ("text", .string(text)), ("created_at", .string(createdAt))])
    }
}

/// The notes table, the same on every database: one statement per operation, values always bound.
public struct NoteRepository: Sendable {
    public let database: any SQLDatabase
    /// All a request's database work ends within this (`DATABASE_TIMEOUT_SECONDS`), or it fails as unavailable.
    public let timeout: Duration
    /// `DATABASE_TIMEOUT_SECONDS`' default.
    public static let defaultTimeout = Duration.seconds(5)

    public init(database: any SQLDatabase, timeout: Duration = defaultTimeout) {
        self.database = database
        self.timeout = timeout
    }

    /// Creates the table if it is missing. Safe to run on every (re)connection; run by the health monitor.
    public func prepareSchema() async throws(StoreError) {
        try await database.monitorQuery(database.createNotesTable, deadline: .now + timeout)
    }

    /// One round trip for the health check, on the monitor's own connection.
    public func ping(timeout: Duration) async throws(StoreError) {
        try await database.monitorQuery("SELECT 1", deadline: .now + timeout)
    }

    private func query(_ sql: String, _ parameters: [SQLValue]) async throws(StoreError) -> [[SQLValue]] {
        try await database.query(sql, parameters, deadline: .now + timeout)
    }

    public func create(text: String, createdAt: String) async throws(StoreError) -> Note {
        let rows = try await query(
            "INSERT INTO notes (text, created_at) VALUES ($1, $2) RETURNING id, text, created_at",
            [.text(text), .text(createdAt)])
        guard let note = rows.first.flatMap(Self.note) else {
            throw StoreError(.failed, cause: "query failed", "the database returned no row for the new note")
        }
        return note
    }

    /// Newest first; with `before`, only notes older than that id (the next page of a list).
    public func list(limit: Int, before: Int64? = nil) async throws(StoreError) -> [Note] {
        let rows =
            if let before {
                try await query(
                    "SELECT id, text, created_at FROM notes WHERE id < $1 ORDER BY id DESC LIMIT $2",
                    [.integer(before), .integer(Int64(limit))])
            } else {
                try await query(
                    "SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT $1", [.integer(Int64(limit))])
            }
        return rows.compactMap(Self.note)
    }

    public func find(id: Int64) async throws(StoreError) -> Note? {
        let rows = try await query("SELECT id, text, created_at FROM notes WHERE id = $1", [.integer(id)])
        return rows.first.flatMap(Self.note)
    }

    /// True if a note was deleted.
    public func delete(id: Int64) async throws(StoreError) -> Bool {
        let rows = try await query("DELETE FROM notes WHERE id = $1 RETURNING id", [.integer(id)])
        return !rows.isEmpty
    }

    private static func note(_ row: [SQLValue]) -> Note? {
        guard row.count == 3, let id = row[0].int64, let text = row[1].string, let createdAt = row[2].string else {
            return nil
        }
        return Note(id: id, text: text, createdAt: createdAt)
    }
}
