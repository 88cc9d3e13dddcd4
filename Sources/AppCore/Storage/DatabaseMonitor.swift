import Dispatch
import Locking
import Synchronization

/// Keeps the database's health up to date in the background: creates the schema once it can connect,
/// then checks with `SELECT 1` every second, and retries with backoff while it is down.
/// `/health` reads the latest answer, so a burst of probes never reaches the database.
///
/// The checks run on a connection of their own with a deadline covering connecting and the round trip, so a
/// stopped or overloaded database is reported within about `pingTimeout` of the first check it fails, however
/// many requests are waiting on it. An answer older than `maxResultAge` is never reported healthy: if the
/// checks themselves stall, `/health` says so instead of repeating the last good result.
public final class DatabaseMonitor: HealthCheck, Sendable {
    public let name = "database"

    private enum Status: Sendable {
        /// `cause` is the class of failure, safe to show anyone; the details went to the log.
        case down(cause: String)
        case up(latencyMilliseconds: Double)

        var cause: String? {
            if case .down(let cause) = self { return cause }
            return nil
        }

        /// Made once per check rather than once per `/health` request.
        var result: HealthCheckResult {
            switch self {
            case .up(let latency):
                HealthCheckResult(isHealthy: true, details: [("latency_ms", .number((latency * 100).rounded() / 100))])
            case .down(let cause):
                HealthCheckResult(isHealthy: false, details: [("error", .string(cause))])
            }
        }
    }

    private struct Latest: Sendable {
        var status: Status
        var result: HealthCheckResult
    }

    private let repository: NoteRepository
    private let logger: Logger
    private let latest: Locked<Latest>
    /// Bumped after each recorded check, so that `/health` knows to render again.
    private let generation = Atomic<UInt64>(0)
    /// When the latest result stops being trusted (`maxResultAge` after it was recorded), in nanoseconds of
    /// Dispatch's monotonic clock: a number fits in an atomic, read on every `/health` without a lock.
    private let trustedUntil = Atomic<UInt64>(
        DispatchTime.now().uptimeNanoseconds + DatabaseMonitor.maxResultAge.nanoseconds)

    static let pingTimeout = Duration.seconds(1)
    static let checkInterval = Duration.seconds(1)
    static let maxBackoff = Duration.seconds(2)
    /// A check every second that gives up after one: an answer older than this means the checks are stuck.
    static let maxResultAge = Duration.seconds(3)
    private static let notYet = Status.down(cause: "not connected yet")
    private static let stale = Status.down(cause: "no recent check").result

    public init(repository: NoteRepository, logger: Logger) {
        self.repository = repository
        self.logger = logger
        latest = Locked(Latest(status: Self.notYet, result: Self.notYet.result))
    }

    public func check() -> HealthCheckResult {
        check(now: DispatchTime.now().uptimeNanoseconds)
    }

    func check(now: UInt64) -> HealthCheckResult {
        let result = latest.withLock { $0.result }
        return isStale(at: now) ? Self.stale : result
    }

    public var revision: UInt64 { revision(now: DispatchTime.now().uptimeNanoseconds) }

    func revision(now: UInt64) -> UInt64 {
        generation.load(ordering: .acquiring) << 1 | (isStale(at: now) ? 1 : 0)
    }

    private func isStale(at now: UInt64) -> Bool {
        now > trustedUntil.load(ordering: .relaxed)
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
                record(.up(latencyMilliseconds: (ContinuousClock.now - started).inSeconds * 1000), error: nil)
                firstResult?()
                firstResult = nil
                backoff = .milliseconds(250)
                try? await Task.sleep(for: Self.checkInterval)
            } catch {
                // After an outage the schema is checked again: the server may have come back empty.
                schemaReady = false
                record(.down(cause: error.cause), error: error)
                firstResult?()
                firstResult = nil
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, Self.maxBackoff)
            }
        }
    }

    /// Logs changes only (up to down, down to up, a different error), not every check. The log gets the
    /// details (host, port, user, server message); `/health` only the class of failure.
    private func record(_ new: Status, error: StoreError?) {
        let previous = latest.withLock { latest in
            defer { latest = Latest(status: new, result: new.result) }
            return latest.status
        }
        trustedUntil.store(DispatchTime.now().uptimeNanoseconds + Self.maxResultAge.nanoseconds, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        switch (previous, new) {
        case (.down, .up):
            logger.info("database is up")
        case (_, .down(let cause)) where previous.cause != cause:
            logger.error("database is down", [("cause", cause), ("error", error?.message ?? cause)])
        default:
            break
        }
    }
}
