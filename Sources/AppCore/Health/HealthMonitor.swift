import HTTPServer
import Locking

/// Runs every registered check and turns the results into the `/health` answer.
public struct HealthMonitor: Sendable {
    private let checks: [any HealthCheck]
    private let lifecycle: Lifecycle
    /// The last answer and the results it was rendered from: results change about once a second, while
    /// probes and load tests may ask thousands of times a second.
    private let cache = Locked<(results: [HealthCheckResult], response: Response)?>(nil)

    public init(checks: [any HealthCheck] = [], lifecycle: Lifecycle = Lifecycle()) {
        self.checks = checks
        self.lifecycle = lifecycle
    }

    private static let noStore = HTTPHeaders([("Cache-Control", "no-store")])

    /// 200 `{"status": "ok", ...}` when every check passes; otherwise 503 `{"status": "unhealthy",
    /// "failing": [...], ...}` naming the checks that failed, or 503 `{"status": "draining"}` during shutdown.
    public func report() -> Response {
        if lifecycle.isDraining {
            return .json(.serviceUnavailable, .object([("status", .string("draining"))]), headers: Self.noStore)
        }
        let results = checks.map { $0.check() }
        if let cached = cache.withLock({ $0 }), cached.results == results {
            return cached.response
        }
        let response = render(results)
        cache.withLock { $0 = (results, response) }
        return response
    }

    private func render(_ results: [HealthCheckResult]) -> Response {
        var failing: [JSON] = []
        var checkFields: [(String, JSON)] = []
        for (check, result) in zip(checks, results) {
            if !result.isHealthy { failing.append(.string(check.name)) }
            let status: JSON = .string(result.isHealthy ? "up" : "down")
            checkFields.append((check.name, .object([("status", status)] + result.details)))
        }
        var body: [(String, JSON)] = [("status", .string(failing.isEmpty ? "ok" : "unhealthy"))]
        if !failing.isEmpty { body.append(("failing", .array(failing))) }
        if !checkFields.isEmpty { body.append(("checks", .object(checkFields))) }
        return .json(failing.isEmpty ? .ok : .serviceUnavailable, .object(body), headers: Self.noStore)
    }
}
