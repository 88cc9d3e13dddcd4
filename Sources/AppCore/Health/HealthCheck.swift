/// One thing `/health` looks at. Checks must answer at once: anything slow (a database round trip)
/// keeps its latest result up to date elsewhere and reports it here.
public protocol HealthCheck: Sendable {
    var name: String { get }
    func check() -> HealthCheckResult
    /// A number that changes whenever `check()` may answer differently (a new result, or one gone stale).
    /// `/health` renders its answer again only when one moves: probes thousands of times a second then read
    /// a few atomics instead of taking each check's lock and comparing results.
    var revision: UInt64 { get }
}

public struct HealthCheckResult: Sendable, Equatable {
    public var isHealthy: Bool
    /// Shown under `checks.<name>` in the `/health` body, after `"status"`.
    public var details: [(String, JSON)]

    public init(isHealthy: Bool, details: [(String, JSON)] = []) {
        self.isHealthy = isHealthy
        self.details = details
    }

    public static func == (lhs: HealthCheckResult, rhs: HealthCheckResult) -> Bool {
        lhs.isHealthy == rhs.isHealthy && JSON.object(lhs.details) == JSON.object(rhs.details)
    }
}
