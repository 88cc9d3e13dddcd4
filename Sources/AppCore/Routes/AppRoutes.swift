import HTTPServer

/// The app's HTTP surface: `/` (JSON, or a page for a browser), `/health`, `/livez`, `/readyz`, `/version`, `/delay/{ms}`, `/whoami`, `/status/{code}`, and each of `/metrics`, `/api/notes`
/// and `/admin/...` when the part behind it is given.
public enum AppRoutes {
    public static let appName = "swift-devops-sample"
    public static let maxDelayMilliseconds = 10_000

    public static func makeRouter(
        config: AppConfig, health: HealthMonitor, liveness: Liveness? = nil, metrics: AppMetrics? = nil,
        notes: NotesAPI? = nil, admin: AdminAPI? = nil
    ) -> Router {
        var router = Router()
        let greeting = Response.json(
            .ok,
            .object([
                ("name", .string(appName)),
                ("message", .string("Hello from a Swift app in a container")),
                ("environment", .string(config.environment)),
                ("version", .string(config.version)),
            ]), headers: HTTPHeaders([("Vary", "Accept")]))
        // The probes first: literal routes are found by a scan in the order they were added, and the probes are
        // asked most often.
        addProbes(to: &router, health: health, liveness: liveness, metrics: metrics)
        // The same JSON as ever for curl and scripts; a page for a person's browser.
        router.get("/") { request in StatusPage.wantsPage(request) ? StatusPage.page : greeting }
        StatusPage.register(on: &router)
        let diagnostics = DiagnosticRoutes(version: config.version)
        let version = Response.json(.ok, versionBody(config, hostname: diagnostics.hostname))
        router.get("/version") { _ in version }
        router.add("GET", "/delay/{ms}", .async(delay))
        diagnostics.register(on: &router)
        notes?.register(on: &router)
        admin?.register(on: &router)
        return router
    }

    /// The management listener's routes: the probes and the metrics, nothing a client of the app could use to
    /// hold it. Probes an attack on the main port cannot starve, since its connections are not these.
    public static func makeManagementRouter(health: HealthMonitor, liveness: Liveness, metrics: AppMetrics) -> Router {
        var router = Router()
        addProbes(to: &router, health: health, liveness: liveness, metrics: metrics)
        return router
    }

    /// `/health`, `/readyz`, and `/livez` and `/metrics` when their parts are given: the same on both listeners.
    private static func addProbes(
        to router: inout Router, health: HealthMonitor, liveness: Liveness?, metrics: AppMetrics?
    ) {
        router.get("/health") { _ in health.report() }
        // Readiness is what /health reports (database, health switch, draining), under the name Kubernetes and
        // load balancers know it by.
        router.get("/readyz") { _ in health.report() }
        if let liveness {
            router.get("/livez") { _ in liveness.report() }
        }
        if let metrics {
            router.get("/metrics") { _ in metrics.response() }
        }
    }

    /// Answers after the given number of milliseconds: a slow request on demand, for timeout and shutdown demos.
    @Sendable static func delay(_ request: Request) async -> Response {
        guard let text = request.pathParameters["ms"], text.allSatisfy(\.isASCIIDigit), text.count <= 5,
            let milliseconds = Int(text), milliseconds <= maxDelayMilliseconds
        else {
            return .error(.badRequest, "delay must be a whole number of milliseconds from 0 to \(maxDelayMilliseconds)")
        }
        try? await Task.sleep(for: .milliseconds(milliseconds))
        return .json(.ok, .object([("delayed_ms", .integer(milliseconds))]))
    }

    /// What is running, and where: `hostname` tells replicas apart behind a load balancer.
    static func versionBody(_ config: AppConfig, hostname: String) -> JSON {
        .object([
            ("name", .string(appName)),
            ("version", .string(config.version)),
            ("commit", config.gitSHA.map(JSON.string) ?? .null),
            ("build_time", config.buildTime.map(JSON.string) ?? .null),
            ("environment", .string(config.environment)),
            ("hostname", .string(hostname)),
        ])
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
