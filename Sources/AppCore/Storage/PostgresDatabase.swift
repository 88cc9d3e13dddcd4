import DeadlineSocket
import PostgresClient

/// PostgreSQL through the wire-protocol pool. Values travel as text; SQL never contains them.
public struct PostgresDatabase: SQLDatabase {
    private let pool: PostgresPool
    /// The health monitor's own connection: its checks never queue behind requests for a pooled one.
    private let monitorPool: PostgresPool

    public let createNotesTable = """
        CREATE TABLE IF NOT EXISTS notes (
            id BIGSERIAL PRIMARY KEY,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """

    /// `logger` gets, at DEBUG, each connection opened, failed or thrown away.
    public init(configuration: PostgresConfiguration, logger: Logger? = nil) {
        pool = PostgresPool(
            configuration: configuration, size: configuration.poolSize, onEvent: Self.log(to: logger, "requests"))
        monitorPool = PostgresPool(configuration: configuration, size: 1, onEvent: Self.log(to: logger, "health"))
    }

    private static func log(to logger: Logger?, _ pool: String) -> @Sendable (PostgresPool.Event) -> Void {
        guard let logger, logger.isEnabled(.debug) else { return { _ in } }
        return { event in
            switch event {
            case .connected(let took):
                logger.debug(
                    "database connection opened",
                    [("pool", pool), ("took_ms", String(Int((took.inSeconds * 1000).rounded())))])
            case .connectFailed(let error):
                logger.debug("database connection failed", [("pool", pool), ("error", error.description)])
            case .discarded(let idle):
                logger.debug(
                    "database connection broken; reconnecting on demand",
                    [("pool", pool), ("idle_also_closed", String(idle))])
            }
        }
    }

    public func query(_ sql: String, _ parameters: [SQLValue], deadline: ContinuousClock.Instant)
        async throws(StoreError) -> [[SQLValue]]
    {
        try await run(on: pool, sql, parameters, deadline: deadline)
    }

    public func monitorQuery(_ sql: String, deadline: ContinuousClock.Instant) async throws(StoreError) {
        _ = try await run(on: monitorPool, sql, [], deadline: deadline)
    }

    private func run(
        on pool: PostgresPool, _ sql: String, _ parameters: [SQLValue], deadline: ContinuousClock.Instant
    ) async throws(StoreError) -> [[SQLValue]] {
        do {
            let rows = try await pool.query(sql, parameters.map(\.string), deadline: Deadline(deadline))
            return rows.map { $0.map { $0.map(SQLValue.text) ?? .null } }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Each class of TLS failure says what to fix: the server's TLS, its certificate, or the URL's sslmode.
    private static func tlsCause(_ problem: SocketFailure.TLSProblem) -> String {
        switch problem {
        case .notSupported: "TLS not supported by the server"
        case .untrusted: "certificate not trusted"
        case .hostNameMismatch: "certificate host name mismatch"
        case .expired: "certificate expired"
        case .handshake: "TLS handshake failed"
        }
    }

    /// Outages are `.unavailable` (503 to a client), whether the connection failed or the server said it
    /// cannot serve: SQLSTATE class 08 (connection exception), 53 (insufficient resources, such as too many
    /// connections) and 57 (operator intervention: starting up, shutting down, query cancelled).
    static func storeError(_ error: PostgresError) -> StoreError {
        let message = "PostgreSQL: \(error)"
        switch error.kind {
        case .server(let sqlState):
            switch sqlState {
            case "57P03": return StoreError(.unavailable, cause: "starting up", message)
            case "57P01", "57P02": return StoreError(.unavailable, cause: "shutting down", message)
            case "53300": return StoreError(.unavailable, cause: "too many connections", message)
            case _ where ["08", "53", "57"].contains(sqlState.prefix(2)):
                return StoreError(.unavailable, cause: "unavailable", message)
            default: return StoreError(.failed, cause: "query failed", message)
            }
        case .timeout: return StoreError(.unavailable, cause: "timed out", message)
        case .refused: return StoreError(.unavailable, cause: "refused", message)
        case .connection: return StoreError(.unavailable, cause: "unreachable", message)
        case .authentication: return StoreError(.unavailable, cause: "authentication failed", message)
        case .closed: return StoreError(.unavailable, cause: "connection lost", message)
        case .protocolViolation: return StoreError(.unavailable, cause: "protocol error", message)
        case .tls(let problem): return StoreError(.unavailable, cause: tlsCause(problem), message)
        }
    }
}
