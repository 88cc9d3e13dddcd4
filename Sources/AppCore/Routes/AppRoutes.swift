import HTTPServer

/// The app's HTTP surface: `/`, `/health` and `/version`.
public enum AppRoutes {
    public static let appName = "swift-devops-sample"

    public static func makeRouter(config: AppConfig, health: HealthMonitor) -> Router {
        var router = Router()
        let greeting = Response.json(
            .ok,
            .object([
                ("name", .string(appName)),
                ("message", .string("Hello from a Swift app in a container")),
                ("environment", .string(config.environment)),
                ("version", .string(config.version)),
            ]))
        router.get("/") { _ in greeting }
        router.get("/health") { _ in health.report() }
        let version = Response.json(.ok, versionBody(config))
        router.get("/version") { _ in version }
        return router
    }

    static func versionBody(_ config: AppConfig) -> JSON {
        .object([
            ("name", .string(appName)),
            ("version", .string(config.version)),
            ("commit", config.gitSHA.map(JSON.string) ?? .null),
            ("build_time", config.buildTime.map(JSON.string) ?? .null),
            ("environment", .string(config.environment)),
        ])
    }
}
