import Locking

/// Keeps the database's health up to date in the background: creates the schema once it can connect,
/// then checks with `SELECT 1` every second, and retries with backoff while it is down.
/// `/health` reads the latest answer, so a burst of probes never reaches the database.
public final class DatabaseMonitor: HealthCheck, Sendable {
    public let name = "database"

    private enum Status: Sendable {
        case down(String)
        case up(latencyMilliseconds: Double)

        /// Made once per check rather than once per `/health` request.
        var result: HealthCheckResult {
            switch self {
            case .up(let latency):
                HealthCheckResult(isHealthy: true, details: [("latency_ms", .number((latency * 100).rounded() / 100))])
            case .down(let error):
                HealthCheckResult(isHealthy: false, details: [("error", .string(error))])
            }
        }
    }

    private let repository: NoteRepository
    private let logger: Logger
    private let status = Locked((Status.down("not connected yet"), Status.down("not connected yet").result))

    static let pingTimeout = Duration.seconds(1)
    static let checkInterval = Duration.seconds(1)
    static let maxBackoff = Duration.seconds(2)

    public init(repository: NoteRepository, logger: Logger) {
        self.repository = repository
        self.logger = logger
    }

    public func check() -> HealthCheckResult {
        status.withLock { $0.1 }
    }

    /// Runs until the task is cancelled; `onFirstResult` is called once the first check has an answer.
    public func run(onFirstResult: @escaping @Sendable () -> Void = {}) async {
        var firstResult: (@Sendable () -> Void)? = onFirstResult
        var schemaReady = false
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do throws(StoreError) {
                if !schemaReady {
                    try await repository.prepareSchema()
                    schemaReady = true
                }
                try await repository.ping(timeout: Self.pingTimeout)
                record(.up(latencyMilliseconds: (ContinuousClock.now - started).inSeconds * 1000))
                firstResult?()
                firstResult = nil
                backoff = .milliseconds(250)
                try? await Task.sleep(for: Self.checkInterval)
            } catch {
                // After an outage the schema is checked again: the server may have come back empty.
                schemaReady = false
                record(.down(error.message))
                firstResult?()
                firstResult = nil
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, Self.maxBackoff)
            }
        }
    }

    /// Logs changes only (up to down, down to up, a different error), not every check.
    private func record(_ new: Status) {
        let result = new.result
        let previous = status.withLock { current in
            defer { current = (new, result) }
            return current.0
        }
        switch (previous, new) {
        case (.down, .up):
            logger.info("database is up")
        case (.up, .down(let error)):
            logger.error("database is down", [("error", error)])
        case (.down(let old), .down(let error)) where old != error:
            logger.error("database is down", [("error", error)])
        default:
            break
        }
    }
}
