import HTTPServer
import Testing

@testable import AppCore

@Suite struct AdminAPITests {
    static let key = "0123456789abcdef-key"

    static func api(
        _ healthSwitch: ManualHealthSwitch = ManualHealthSwitch(),
        stress: StressRunner = StressRunner(cpuThreads: 1, logger: Logger(level: .critical)),
        exitProcess: @escaping @Sendable (Int32) -> Void = { _ in Issue.record("the process would have exited") }
    ) -> AdminAPI {
        AdminAPI(
            secretKey: key, healthSwitch: healthSwitch, stress: stress, logger: Logger(level: .critical),
            exitProcess: exitProcess)
    }

    private func request(authorization: [String], body: String, contentType: String = "application/json")
        -> Request
    {
        var headers = HTTPHeaders([("Content-Type", contentType)])
        for value in authorization { headers.add("Authorization", value) }
        return Request(
            method: "POST", target: "/admin/health", path: "/admin/health", headers: headers, body: Array(body.utf8))
    }

    @Test func flipsTheSwitchAndHealthFollows() {
        let healthSwitch = ManualHealthSwitch()
        let api = Self.api(healthSwitch)
        let health = HealthMonitor(checks: [healthSwitch])
        var response = api.setHealth(request(authorization: ["Bearer \(Self.key)"], body: "{\"healthy\": false}"))
        #expect(response.status == .ok)
        #expect(!healthSwitch.isHealthy)
        let report = health.report()
        #expect(report.status == .serviceUnavailable)
        let body = String(decoding: report.body, as: UTF8.self)
        #expect(body.hasPrefix("{\"status\": \"unhealthy\", \"failing\": [\"manual\"]"))
        response = api.setHealth(request(authorization: ["bearer \(Self.key)"], body: "{\"healthy\": true}"))
        #expect(response.status == .ok)
        #expect(health.report().status == .ok)
    }

    @Test(arguments: [
        [], ["Bearer wrong-key-0123456789"], ["Bearer \(key)x"], ["Bearer \(key.dropLast())"], ["Basic \(key)"],
        [key], ["Bearer"], ["Bearer \(key)", "Bearer \(key)"],
    ])
    func anythingButTheKeyIs401AndChangesNothing(_ authorization: [String]) {
        let healthSwitch = ManualHealthSwitch()
        let api = Self.api(healthSwitch)
        let response = api.setHealth(request(authorization: authorization, body: "{\"healthy\": false}"))
        #expect(response.status == .unauthorized)
        #expect(response.headers["WWW-Authenticate"] == "Bearer")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"error\": \"unauthorized\"}")
        #expect(healthSwitch.isHealthy)
    }

    @Test(arguments: ["", "{}", "{\"healthy\": \"false\"}", "{\"healthy\": 0}", "[true]", "{\"healthy\": tru"])
    func aBodyThatIsNotTheSwitchIs400(_ body: String) {
        let healthSwitch = ManualHealthSwitch()
        let api = Self.api(healthSwitch)
        #expect(api.setHealth(request(authorization: ["Bearer \(Self.key)"], body: body)).status == .badRequest)
        #expect(healthSwitch.isHealthy)
    }

    @Test func aBodyThatIsNotJSONIs415() {
        let api = Self.api(ManualHealthSwitch())
        let response = api.setHealth(
            request(authorization: ["Bearer \(Self.key)"], body: "healthy=false", contentType: "text/plain"))
        #expect(response.status == .unsupportedMediaType)
    }

    @Test func constantTimeComparisonIsStillAComparison() {
        let key = Array("secret-secret-secret".utf8)
        #expect(AdminAPI.constantTimeEquals(key, key))
        #expect(!AdminAPI.constantTimeEquals(Array("secret-secret-secreT".utf8), key))
        #expect(!AdminAPI.constantTimeEquals([], key))
        #expect(!AdminAPI.constantTimeEquals(key + [0], key))
    }

    @Test func withoutASecretKeyThereIsNoAdminRoute() throws {
        let config = try AppConfig.load(from: [:])
        let router = AppRoutes.makeRouter(config: config, health: HealthMonitor())
        guard case .notFound = router.match(method: "POST", path: "/admin/health") else {
            Issue.record("the admin route exists without SECRET_KEY")
            return
        }
    }
}
