import HTTPServer

/// Runs every registered check and turns the results into the `/health` answer.
public struct HealthMonitor: Sendable {
    private let checks: [any HealthCheck]
    private let lifecycle: Lifecycle

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
        var failing: [JSON] = []
        var checkFields: [(String, JSON)] = []
        for check in checks {
            let result = check.check()
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
