import HTTPServer
import Locking

/// Runs every registered check and turns the results into the `/health` answer.
public struct HealthMonitor: Sendable {
    private let checks: [any HealthCheck]
    private let lifecycle: Lifecycle
    /// The last answer and the revisions it was rendered under, one per thread: results change about once a
    /// second, while probes and load tests may ask thousands of times a second from every event loop, which
    /// then read their own copy without a lock.
    private let cache = ThreadLocal<Cached?> { nil }

    private struct Cached: Sendable {
        /// Each check's revision, read before its result: a change between the two makes the next request
        /// render again, so the answer kept is never older than the revisions it is kept under.
        var revisions: [UInt64]
        var response: Response

        /// Whether no check has moved since the answer was rendered. A loop rather than comparing with a
        /// fresh array: nothing is allocated when nothing changed, the common case.
        func isCurrent(_ checks: [any HealthCheck]) -> Bool {
            // By index: `zip` would copy each check out of its existential box and destroy the copy.
            for index in checks.indices where checks[index].revision != revisions[index] { return false }
            return true
        }
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
        return cache.withCurrent { cached in
            // Looked at in place: `if let` would copy the answer out and destroy the copy.
            if cached?.isCurrent(checks) == true, let response = cached?.response { return response }
            let revisions = checks.map(\.revision)
            let response = render(checks.map { $0.check() })
            cached = Cached(revisions: revisions, response: response)
            return response
        }
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
