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
