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

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// Creates the table if it is missing. Safe to run on every (re)connection.
    public func prepareSchema() async throws(StoreError) {
        _ = try await database.query(database.createNotesTable, [], timeout: nil)
    }

    /// One round trip, for the health check.
    public func ping(timeout: Duration) async throws(StoreError) {
        _ = try await database.query("SELECT 1", [], timeout: timeout)
    }

    public func create(text: String, createdAt: String) async throws(StoreError) -> Note {
        let rows = try await database.query(
            "INSERT INTO notes (text, created_at) VALUES ($1, $2) RETURNING id, text, created_at",
            [.text(text), .text(createdAt)], timeout: nil)
        guard let note = rows.first.flatMap(Self.note) else {
            throw StoreError(.failed, "the database returned no row for the new note")
        }
        return note
    }

    /// Newest first.
    public func list(limit: Int) async throws(StoreError) -> [Note] {
        let rows = try await database.query(
            "SELECT id, text, created_at FROM notes ORDER BY id DESC LIMIT $1", [.integer(Int64(limit))], timeout: nil)
        return rows.compactMap(Self.note)
    }

    public func find(id: Int64) async throws(StoreError) -> Note? {
        let rows = try await database.query(
            "SELECT id, text, created_at FROM notes WHERE id = $1", [.integer(id)], timeout: nil)
        return rows.first.flatMap(Self.note)
    }

    /// True if a note was deleted.
    public func delete(id: Int64) async throws(StoreError) -> Bool {
        let rows = try await database.query(
            "DELETE FROM notes WHERE id = $1 RETURNING id", [.integer(id)], timeout: nil)
        return !rows.isEmpty
    }

    private static func note(_ row: [SQLValue]) -> Note? {
        guard row.count == 3, let id = row[0].int64, let text = row[1].string, let createdAt = row[2].string else {
            return nil
        }
        return Note(id: id, text: text, createdAt: createdAt)
    }
}
