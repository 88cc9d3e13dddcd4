import HTTPServer

/// The operator's routes: `POST /admin/health` with `{"healthy": false}` or `{"healthy": true}` flips the
/// manual health switch, and the classroom demos (`AdminDemos.swift`) stress the CPU or memory or end the
/// process. Only registered when SECRET_KEY is set (otherwise each path is a plain 404), and only for a request
/// with `Authorization: Bearer <SECRET_KEY>`; any other gets the same 401, whatever was wrong with it.
public struct AdminAPI: Sendable {
    private let secretKey: [UInt8]
    private let healthSwitch: ManualHealthSwitch
    let stress: StressRunner
    let logger: Logger
    /// Ends the process with a status (`_exit` in the server; a recorder in tests).
    let exitProcess: @Sendable (Int32) -> Void

    public init(
        secretKey: String, healthSwitch: ManualHealthSwitch, stress: StressRunner, logger: Logger,
        exitProcess: @escaping @Sendable (Int32) -> Void
    ) {
        self.secretKey = Array(secretKey.utf8)
        self.healthSwitch = healthSwitch
        self.stress = stress
        self.logger = logger
        self.exitProcess = exitProcess
    }

    public func register(on router: inout Router) {
        router.add("POST", "/admin/health", .sync(setHealth))
        router.add("POST", "/admin/stress/cpu", .sync(stressCPU))
        router.add("POST", "/admin/stress/memory", .sync(stressMemory))
        router.add("POST", "/admin/crash", .sync(crash))
    }

    static let unauthorized = Response.error(
        .unauthorized, "unauthorized", headers: HTTPHeaders([("WWW-Authenticate", "Bearer")]))

    @Sendable func setHealth(_ request: Request) -> Response {
        guard isAuthorized(request.headers.values(for: "authorization")) else { return Self.unauthorized }
        guard request.declaresJSONBody else {
            return .error(.unsupportedMediaType, "the body must be JSON (Content-Type: application/json)")
        }
        guard case .bool(let healthy)? = (try? JSONParser.parse(request.body))?["healthy"] else {
            return .error(.badRequest, "the body must be {\"healthy\": true} or {\"healthy\": false}")
        }
        healthSwitch.set(healthy: healthy)
        logger.warning(
            "health switched by hand", [("request_id", request.id), ("healthy", healthy ? "true" : "false")])
        return .json(.ok, .object([("healthy", .bool(healthy))]))
    }

    /// Exactly one `Authorization` field, scheme `Bearer` in any case, and the key itself.
    func isAuthorized(_ fields: [String]) -> Bool {
        guard fields.count == 1 else { return false }
        let parts = fields[0].split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        return Self.constantTimeEquals(Array(parts[1].drop { $0 == " " }.utf8), secretKey)
    }

    /// Takes as long whatever the offered token holds, so timing tells an attacker nothing about how much of
    /// it was right: every byte of the key is compared, and a wrong length only sets a flag.
    static func constantTimeEquals(_ offered: [UInt8], _ key: [UInt8]) -> Bool {
        var difference: UInt8 = offered.count == key.count ? 0 : 1
        for index in key.indices {
            let byte = index < offered.count ? offered[index] : 0
            difference |= byte ^ key[index]
        }
        return difference == 0
    }
}
