import HTTPServer
import Testing

@testable import AppCore

@Suite struct AppRoutesTests {
    private func get(_ path: String, config: AppConfig) throws -> Response {
        let router = AppRoutes.makeRouter(config: config, health: HealthMonitor())
        guard case .found(.sync(let handle), _, _) = router.match(method: "GET", path: path) else {
            throw RouteMissing()
        }
        return handle(Request(method: "GET", target: path, path: path))
    }

    private struct RouteMissing: Error {}

    @Test func rootGreetsWithNameEnvironmentAndVersion() throws {
        let config = try AppConfig.load(from: ["APP_ENV": "test", "APP_VERSION": "9.9.9"])
        let body = String(decoding: try get("/", config: config).body, as: UTF8.self)
        #expect(body.contains("\"name\": \"swift-devops-sample\""))
        #expect(body.contains("\"environment\": \"test\""))
        #expect(body.contains("\"version\": \"9.9.9\""))
    }

    @Test func versionShowsCommitAndBuildTime() throws {
        let config = try AppConfig.load(from: ["GIT_SHA": "0123abc", "BUILD_TIME": "2026-11-26T10:00:00Z"])
        let body = String(decoding: try get("/version", config: config).body, as: UTF8.self)
        #expect(body.contains("\"commit\": \"0123abc\""))
        #expect(body.contains("\"build_time\": \"2026-11-26T10:00:00Z\""))
    }

    @Test func versionNamesTheReplica() throws {
        let body = try JSONParser.parse(try get("/version", config: try AppConfig.load(from: [:])).body)
        #expect(body["hostname"] == .string(DiagnosticRoutes.machineName()))
    }

    @Test func versionShowsNullCommitWhenUnknown() throws {
        let body = String(decoding: try get("/version", config: try AppConfig.load(from: [:])).body, as: UTF8.self)
        #expect(body.contains("\"commit\": null"))
    }

    @Test func healthIsOK() throws {
        let response = try get("/health", config: try AppConfig.load(from: [:]))
        #expect(response.status == .ok)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"status\": \"ok\"}")
    }

    @Test func secretKeyAppearsInNoRoute() throws {
        let config = try AppConfig.load(from: ["SECRET_KEY": "super-secret-value-123"])
        for path in ["/", "/health", "/version"] {
            #expect(!String(decoding: try get(path, config: config).body, as: UTF8.self).contains("super-secret"))
        }
    }

    private func delay(_ milliseconds: String) async -> Response {
        var request = Request(method: "GET", target: "/delay/\(milliseconds)", path: "/delay/\(milliseconds)")
        request.pathParameters = ["ms": milliseconds]
        return await AppRoutes.delay(request)
    }

    @Test func delayAnswersAfterTheGivenTime() async {
        let started = ContinuousClock.now
        let response = await delay("50")
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(response.status == .ok)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"delayed_ms\": 50}")
    }

    @Test(arguments: ["10001", "-1", "abc", "1.5", "99999999999999999999", "+5"])
    func delayRejectsValuesOutsideZeroToTenThousand(_ text: String) async {
        let response = await delay(text)
        #expect(response.status == .badRequest)
        #expect(String(decoding: response.body, as: UTF8.self).contains("0 to 10000"))
    }

    @Test func delayIsRoutedAsAnAsyncHandler() throws {
        let router = AppRoutes.makeRouter(config: try AppConfig.load(from: [:]), health: HealthMonitor())
        guard case .found(.async, "/delay/{ms}", let parameters) = router.match(method: "GET", path: "/delay/10") else {
            Issue.record("no async route for /delay/{ms}")
            return
        }
        #expect(parameters == ["ms": "10"])
    }
}
