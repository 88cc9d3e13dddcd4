import PostgresClient

/// PostgreSQL through the wire-protocol pool. Values travel as text; SQL never contains them.
public struct PostgresDatabase: SQLDatabase {
    private let pool: PostgresPool

    public let createNotesTable = """
        CREATE TABLE IF NOT EXISTS notes (
            id BIGSERIAL PRIMARY KEY,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """

    public init(url: PostgresURL) {
        let configuration = PostgresConfiguration(
            host: url.host, port: url.port, user: url.user, password: url.password, database: url.database,
            connectTimeout: .seconds(url.connectTimeoutSeconds))
        pool = PostgresPool(configuration: configuration, size: url.poolSize)
    }

    public func query(_ sql: String, _ parameters: [SQLValue], timeout: Duration? = nil) async throws(StoreError)
        -> [[SQLValue]]
    {
        do {
            let rows = try await pool.query(sql, parameters.map(\.string), timeout: timeout)
            return rows.map { $0.map { $0.map(SQLValue.text) ?? .null } }
        } catch {
            switch error.kind {
            case .server:
                throw StoreError(.failed, "PostgreSQL: \(error)")
            default:
                throw StoreError(.unavailable, "PostgreSQL: \(error)")
            }
        }
    }
}
