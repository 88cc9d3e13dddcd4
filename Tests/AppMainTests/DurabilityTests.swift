import Foundation
import Locking
import TestSupport
import Testing

@Suite(.blockingIO) struct DurabilityTests {
    private func temporaryDatabase() -> String {
        "sqlite:///" + FileManager.default.temporaryDirectory.appendingPathComponent("app-\(UUID().uuidString).db").path
    }

    /// POSTs a note on a fresh connection; returns its id if the server acknowledged it with 201.
    private static func post(_ text: String, port: Int) -> Int? {
        guard let client = try? TestClient(port: port, timeoutSeconds: 5) else { return nil }
        let body = "{\"text\": \"\(text)\"}"
        let request =
            "POST /api/notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        guard (try? client.send(request)) != nil, let response = try? client.readResponse(), response.status == 201,
            let location = response.headers["location"]
        else { return nil }
        return Int(location.split(separator: "/").last ?? "")
    }

    @Test func notesSurviveARestart() throws {
        let database = temporaryDatabase()
        let first = try RunningServer(environment: ["DATABASE_URL": database])
        let id = try #require(Self.post("kept across restarts", port: first.port))
        #expect(first.stop() == 0)
        let second = try RunningServer(environment: ["DATABASE_URL": database])
        let found = try second.get("/api/notes/\(id)")
        #expect(found.status == 200)
        #expect(found.body.contains("kept across restarts"))
        _ = second.stop()
    }

    @Test func sigtermDuringWritesLosesNoAcknowledgedNote() throws {
        let database = temporaryDatabase()
        let server = try RunningServer(environment: ["DATABASE_URL": database])
        let port = server.port
        let acknowledged = Locked<[Int]>([])
        let writers = DispatchGroup()
        for writer in 0..<8 {
            // A queue each: the global queues have one thread per core, and these block.
            DispatchQueue(label: "writer \(writer)").async(group: writers) {
                for index in 0..<200 {
                    guard let id = Self.post("writer \(writer) note \(index)", port: port) else { return }
                    acknowledged.withLock { $0.append(id) }
                }
            }
        }
        // The signal lands while every writer is busy: some notes are acknowledged, more are on their way.
        let deadline = ContinuousClock.now + AppProcess.patience
        while acknowledged.withLock({ $0.count }) < 40 && ContinuousClock.now < deadline { usleep(5_000) }
        server.child.signal(SIGTERM)
        writers.wait()
        #expect(server.child.waitForExit(timeout: AppProcess.patience) == 0)

        let ids = acknowledged.withLock { $0 }
        #expect(!ids.isEmpty)
        let reopened = try RunningServer(environment: ["DATABASE_URL": database])
        for id in ids {
            #expect(try reopened.get("/api/notes/\(id)").status == 200, "acknowledged note \(id) was lost")
        }
        _ = reopened.stop()
    }
}
