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
}
