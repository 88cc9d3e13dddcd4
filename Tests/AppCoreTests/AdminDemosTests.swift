import HTTPServer
import Synchronization
import TestSupport
import Testing

@testable import AppCore

/// The demos' guard, their parameters and their answers; what they do to the process (CPU time, resident
/// memory, the exit status) is measured on the built binary in `AppMainTests.DemoProcessTests`.
@Suite struct AdminDemosTests {
    private func post(_ target: String, key: String? = AdminAPITests.key) -> Request {
        let parts = target.split(separator: "?", maxSplits: 1)
        var headers = HTTPHeaders()
        if let key { headers.add("Authorization", "Bearer \(key)") }
        return Request(
            method: "POST", target: target, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil,
            headers: headers)
    }

    private func text(_ response: Response) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func withoutSecretKeyTheDemosDoNotExist() throws {
        let router = AppRoutes.makeRouter(config: try AppConfig.load(from: [:]), health: HealthMonitor())
        for path in ["/admin/stress/cpu", "/admin/stress/memory", "/admin/crash"] {
            guard case .notFound = router.match(method: "POST", path: path) else {
                Issue.record("\(path) exists without SECRET_KEY")
                continue
            }
        }
    }

    @Test(arguments: [nil, "wrong-key-0123456789"])
    func aWrongKeyIs401AndStartsNothing(_ key: String?) {
        let stress = StressRunner(cpuThreads: 1, logger: Logger(level: .critical))
        let api = AdminAPITests.api(stress: stress)
        #expect(api.stressCPU(post("/admin/stress/cpu?seconds=1", key: key)).status == .unauthorized)
        #expect(api.stressMemory(post("/admin/stress/memory?mb=1&seconds=1", key: key)).status == .unauthorized)
        let crash = api.crash(post("/admin/crash", key: key))
        #expect(crash.status == .unauthorized)
        #expect(crash.afterClose == nil)
        // Nothing was started: a run of each kind can still begin.
        #expect(stress.startCPU(seconds: 1, requestID: "t") == .started)
        #expect(stress.startMemory(megabytes: 1, seconds: 1, requestID: "t") == .started)
        stress.stop()
    }

    @Test(arguments: [
        ("/admin/stress/cpu", "seconds must be a whole number from 1 to 60"),
        ("/admin/stress/cpu?seconds=0", "seconds must be a whole number from 1 to 60"),
        ("/admin/stress/cpu?seconds=61", "seconds must be a whole number from 1 to 60"),
        ("/admin/stress/cpu?seconds=-1", "seconds must be a whole number from 1 to 60"),
        ("/admin/stress/cpu?seconds=1.5", "seconds must be a whole number from 1 to 60"),
        ("/admin/stress/cpu?seconds=99999999999999999999", "seconds must be a whole number from 1 to 60"),
        ("/admin/stress/memory?seconds=5", "mb must be a whole number from 1 to 4096"),
        ("/admin/stress/memory?mb=0&seconds=5", "mb must be a whole number from 1 to 4096"),
        ("/admin/stress/memory?mb=4097&seconds=5", "mb must be a whole number from 1 to 4096"),
        ("/admin/stress/memory?mb=64", "seconds must be a whole number from 1 to 60"),
        ("/admin/stress/memory?mb=64&seconds=61", "seconds must be a whole number from 1 to 60"),
    ])
    func parametersOutOfRangeAre400NamingTheParameter(_ target: String, _ message: String) {
        let api = AdminAPITests.api()
        let request = post(target)
        let response = request.path.hasSuffix("cpu") ? api.stressCPU(request) : api.stressMemory(request)
        #expect(response.status == .badRequest)
        #expect(text(response) == "{\"error\": \"\(message)\"}")
    }

    @Test func aSecondRunOfTheSameKindIs409UntilTheFirstEnds() {
        let stress = StressRunner(cpuThreads: 2, logger: Logger(level: .critical))
        let api = AdminAPITests.api(stress: stress)
        let first = api.stressCPU(post("/admin/stress/cpu?seconds=60"))
        #expect(first.status == .accepted)
        #expect(text(first) == "{\"stress\": \"cpu\", \"threads\": 2, \"seconds\": 60}")
        let second = api.stressCPU(post("/admin/stress/cpu?seconds=5"))
        #expect(second.status == .conflict)
        #expect(second.headers["Retry-After"].flatMap(Int.init).map { (1...60).contains($0) } == true)
        #expect(text(second).hasPrefix("{\"error\": \"a cpu stress is already running; it ends within "))
        // The other kind is a run of its own.
        let memory = api.stressMemory(post("/admin/stress/memory?mb=1&seconds=60"))
        #expect(memory.status == .accepted)
        #expect(text(memory) == "{\"stress\": \"memory\", \"mb\": 1, \"seconds\": 60}")
        #expect(api.stressMemory(post("/admin/stress/memory?mb=1&seconds=1")).status == .conflict)
        // Shutting down ends both and refuses more.
        stress.stop()
        let refused = api.stressCPU(post("/admin/stress/cpu?seconds=1"))
        #expect(refused.status == .serviceUnavailable)
        #expect(text(refused) == "{\"error\": \"shutting down\"}")
    }

    @Test func aRunEndsAtItsTimeAndTheNextMayStart() async throws {
        let stress = StressRunner(cpuThreads: 1, logger: Logger(level: .critical))
        #expect(stress.startCPU(seconds: 1, requestID: "t") == .started)
        #expect(stress.startMemory(megabytes: 2, seconds: 1, requestID: "t") == .started)
        try await waitUntil { stress.startCPU(seconds: 1, requestID: "t") == .started }
        try await waitUntil { stress.startMemory(megabytes: 1, seconds: 1, requestID: "t") == .started }
        stress.stop()
    }

    @Test func memoryTheSystemCannotMapIsRefusedWith503() {
        // 4 PiB: more than the 128 TiB of address space a Linux process has.
        let stress = StressRunner(cpuThreads: 1, logger: Logger(level: .critical))
        guard case .refused = stress.startMemory(megabytes: 1 << 32, seconds: 1, requestID: "t") else {
            Issue.record("a 4 PiB mapping was granted")
            return
        }
        // The refused run leaves no claim behind.
        #expect(stress.startMemory(megabytes: 1, seconds: 1, requestID: "t") == .started)
        stress.stop()
    }

    @Test func crashAnswersThenExitsWith70WhenTheConnectionCloses() {
        let statuses = Mutex<[Int32]>([])
        let api = AdminAPITests.api(exitProcess: { status in statuses.withLock { $0.append(status) } })
        let response = api.crash(post("/admin/crash"))
        #expect(response.status == .accepted)
        #expect(text(response) == "{\"crashing\": true, \"exit_status\": 70}")
        #expect(statuses.withLock { $0 }.isEmpty)
        response.afterClose?()
        #expect(statuses.withLock { $0 } == [70])
    }
}
