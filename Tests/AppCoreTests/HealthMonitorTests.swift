import HTTPServer
import Testing

@testable import AppCore

private struct FixedCheck: HealthCheck {
    let name: String
    let result: HealthCheckResult

    func check() -> HealthCheckResult { result }
    var revision: UInt64 { 0 }
}

@Suite struct HealthMonitorTests {
    @Test func healthyWithoutChecks() {
        let response = HealthMonitor().report()
        #expect(response.status == .ok)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"status\": \"ok\"}")
        #expect(response.headers["Content-Type"] == "application/json")
    }

    @Test func reportsEveryCheckWhenHealthy() {
        let monitor = HealthMonitor(checks: [
            FixedCheck(
                name: "database", result: HealthCheckResult(isHealthy: true, details: [("latency_ms", .integer(2))]))
        ])
        let body = String(decoding: monitor.report().body, as: UTF8.self)
        #expect(body == "{\"status\": \"ok\", \"checks\": {\"database\": {\"status\": \"up\", \"latency_ms\": 2}}}")
    }

    @Test func answers503NamingTheFailingCheck() {
        let monitor = HealthMonitor(checks: [
            FixedCheck(name: "database", result: HealthCheckResult(isHealthy: true)),
            FixedCheck(
                name: "disk", result: HealthCheckResult(isHealthy: false, details: [("error", .string("full"))])),
        ])
        let response = monitor.report()
        #expect(response.status == .serviceUnavailable)
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body.hasPrefix("{\"status\": \"unhealthy\", \"failing\": [\"disk\"]"))
        #expect(body.contains("\"disk\": {\"status\": \"down\", \"error\": \"full\"}"))
    }

    @Test func answers503DrainingOnceShutdownStarts() {
        let lifecycle = Lifecycle()
        let monitor = HealthMonitor(lifecycle: lifecycle)
        #expect(monitor.report().status == .ok)
        lifecycle.beginDraining()
        let response = monitor.report()
        #expect(response.status == .serviceUnavailable)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"status\": \"draining\"}")
    }
}

@Suite struct HealthMonitorCacheTests {
    @Test func aChangedResultIsNeverAnsweredFromTheCache() {
        let healthSwitch = ManualHealthSwitch()
        let monitor = HealthMonitor(checks: [healthSwitch])
        #expect(monitor.report().status == .ok)
        #expect(monitor.report().status == .ok)
        healthSwitch.set(healthy: false)
        #expect(monitor.report().status == .serviceUnavailable)
        healthSwitch.set(healthy: true)
        #expect(monitor.report().status == .ok)
    }
}

@Suite struct LivenessTests {
    @Test func aliveUntilAnEventLoopHasBeenSilentForTheLimit() {
        let healthy = Liveness { .seconds(4.9) }.report()
        #expect(healthy.status == .ok)
        #expect(String(decoding: healthy.body, as: UTF8.self) == "{\"status\": \"ok\"}")
        let stalled = Liveness { .seconds(6.54) }.report()
        #expect(stalled.status == .serviceUnavailable)
        #expect(
            String(decoding: stalled.body, as: UTF8.self)
                == "{\"status\": \"stalled\", \"event_loop_stalled_seconds\": 6.5}")
    }

    @Test func aServerThatIsNotRunningHasNoStalledLoops() {
        #expect(Liveness(statistics: ServerStatistics()).report().status == .ok)
    }
}
