/// One thing `/health` looks at. Checks must answer at once: anything slow (a database round trip)
/// keeps its latest result up to date elsewhere and reports it here.
public protocol HealthCheck: Sendable {
    var name: String { get }
    func check() -> HealthCheckResult
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
        guard lhs.isHealthy == rhs.isHealthy else { return false }
        // A monitor hands out the same stored result until its next check: the same details, not compared.
        if lhs.details.count == rhs.details.count,
            lhs.details.withUnsafeBufferPointer({ $0.baseAddress })
                == rhs.details.withUnsafeBufferPointer({ $0.baseAddress })
        {
            return true
        }
        return JSON.object(lhs.details) == JSON.object(rhs.details)
    }
}
