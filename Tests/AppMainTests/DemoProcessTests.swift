import Foundation
import TestSupport
import Testing

/// The classroom demos on the built binary, measured from outside as `docker stats` and a restart policy see
/// them: the exit status, the resident memory (`/proc/<pid>/status`) and the threads (`/proc/<pid>/task`).
/// That a CPU stress leaves no CPU idle is checked from `/proc/stat` by `Tests/blackbox/demos.py` (which
/// `.ci/run` runs); here, that its threads start, and stop when shutdown begins.
@Suite(.blockingIO) struct DemoProcessTests {
    static let key = "demo-key-0123456789"
    static let bearer = "Authorization: Bearer \(key)\r\n"

    private func post(_ server: RunningServer, _ target: String) throws -> TestClient.Response {
        let client = try TestClient(port: server.port)
        try client.send("POST \(target) HTTP/1.1\r\nHost: t\r\n\(Self.bearer)Content-Length: 0\r\n\r\n")
        return try client.readResponse()
    }

    /// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
    private func statusKiB(_ pid: pid_t, _ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    private func threadNames(_ pid: pid_t) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap {
            try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func crashAnswersThenExitsWithStatus70() throws {
        let server = try RunningServer(environment: ["SECRET_KEY": Self.key])
        let response = try post(server, "/admin/crash")
        #expect(response.status == 202)
        #expect(response.body == "{\"crashing\": true, \"exit_status\": 70}")
        #expect(server.child.waitForExit(timeout: AppProcess.patience) == 70)
        #expect(server.line(containing: "crash requested by hand")?.contains("exit_status=70") == true)
    }

    @Test func memoryIsResidentWhileHeldThenGivenBack() throws {
        let server = try RunningServer(environment: ["SECRET_KEY": Self.key])
        let pid = server.child.pid
        let before = try statusKiB(pid, "VmRSS")
        let response = try post(server, "/admin/stress/memory?mb=96&seconds=1")
        #expect(response.status == 202)
        #expect(response.body == "{\"stress\": \"memory\", \"mb\": 96, \"seconds\": 1}")
        #expect(server.line(containing: "memory stress ended", timeout: AppProcess.patience) != nil)
        // The high-water mark saw all of it resident at once (less the few pages the kernel's per-thread counters
        // may not have added in yet); afterwards the process is back near where it was.
        #expect(try statusKiB(pid, "VmHWM") >= before + 92 * 1024)
        #expect(try statusKiB(pid, "VmRSS") < before + 16 * 1024)
        #expect(server.stop() == 0)
    }

    @Test func cpuStressRunsItsThreadsUntilShutdownBegins() throws {
        // A long shutdown delay: the stress must end when SIGTERM comes, not when the process does.
        let server = try RunningServer(
            environment: ["SECRET_KEY": Self.key, "LOG_FORMAT": "json", "SHUTDOWN_DELAY_SECONDS": "600"])
        let pid = server.child.pid
        let response = try post(server, "/admin/stress/cpu?seconds=60")
        #expect(response.status == 202)
        let started = try #require(
            try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let threads = try #require(started["threads"] as? Int)
        #expect(threads >= 1)
        #expect(server.line(containing: "\"msg\":\"cpu stress requested\"")?.contains("\"seconds\":\"60\"") == true)
        let burners = { threadNames(pid).filter { $0.hasPrefix("stress-cpu-") }.count }
        try server.waitFor("\(threads) stress threads") { burners() == threads }
        // The probes answer meanwhile.
        #expect(try server.get("/health").status == 200)

        server.child.signal(SIGTERM)
        #expect(server.line(containing: "\"msg\":\"cpu stress ended\"", timeout: AppProcess.patience) != nil)
        try server.waitFor("the stress threads to end") { burners() == 0 }
        #expect(server.child.exitStatus == nil)
        #expect(server.stop(with: SIGTERM) == 143)
    }
}
