import Synchronization

/// The app's own health, set by hand through `POST /admin/health`: lets a student watch Docker's
/// HEALTHCHECK turn a container `(unhealthy)` and back without breaking anything real.
public final class ManualHealthSwitch: HealthCheck {
    public let name = "manual"
    private let healthy = Atomic<Bool>(true)

    public init() {}

    public var isHealthy: Bool { healthy.load(ordering: .relaxed) }

    public func set(healthy value: Bool) {
        healthy.store(value, ordering: .relaxed)
    }

    /// The result has two values, so the revision is which one it is.
    public var revision: UInt64 { isHealthy ? 0 : 1 }

    public func check() -> HealthCheckResult {
        isHealthy
            ? HealthCheckResult(isHealthy: true)
            : HealthCheckResult(isHealthy: false, details: [("reason", .string("set unhealthy by POST /admin/health"))])
    }
}
