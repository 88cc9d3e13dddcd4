import HTTPServer
import Locking

/// Runs every registered check and turns the results into the `/health` answer.
public struct HealthMonitor: Sendable {
    private let checks: [any HealthCheck]
    private let lifecycle: Lifecycle
    /// The last answer and the results it was rendered from, one per thread: results change about once a
    /// second, while probes and load tests may ask thousands of times a second from every event loop, which
    /// would otherwise all wait on one lock.
    private let cache = Sharded<Cached?> { nil }

    private struct Cached: Sendable {
        var results: [HealthCheckResult]
        var response: Response
    }

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
        return cache.withCurrentShard { cached in
            if let cached, isCurrent(cached.results) { return cached.response }
            let results = checks.map { $0.check() }
            let response = render(results)
            cached = Cached(results: results, response: response)
            return response
        }
    }

    /// Whether every check still gives the result the cached answer was rendered from. A loop rather than
    /// comparing with a fresh array: nothing is allocated when nothing changed, the common case.
    private func isCurrent(_ results: [HealthCheckResult]) -> Bool {
        for (check, result) in zip(checks, results) where check.check() != result { return false }
        return true
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
