import HTTPServer

/// Runs every registered check and turns the results into the `/health` answer.
public struct HealthMonitor: Sendable {
    private let checks: [any HealthCheck]

    public init(checks: [any HealthCheck] = []) {
        self.checks = checks
    }

    /// 200 `{"status": "ok", ...}` when every check passes; otherwise 503 `{"status": "unhealthy",
    /// "failing": [...], ...}` naming the checks that failed.
    public func report() -> Response {
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
        var headers = HTTPHeaders()
        headers.add("Cache-Control", "no-store")
        return .json(failing.isEmpty ? .ok : .serviceUnavailable, .object(body), headers: headers)
    }
}
