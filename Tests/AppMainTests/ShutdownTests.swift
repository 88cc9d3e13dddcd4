import Foundation
import TestSupport
import Testing

@Suite(.blockingIO) struct ShutdownTests {
    @Test func sigtermDrainsInFlightRequestsAndReportsDraining() throws {
        let server = try RunningServer(environment: ["SHUTDOWN_GRACE_SECONDS": "10"])
        let keptAlive = try TestClient(port: server.port)
        try keptAlive.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try keptAlive.readResponse().status == 200)

        let inFlight = try (0..<20).map { _ in try TestClient(port: server.port) }
        for client in inFlight {
            try client.send("GET /delay/2000 HTTP/1.1\r\nHost: t\r\n\r\n")
        }
        usleep(500_000)
        let started = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        usleep(200_000)

        try keptAlive.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        let draining = try keptAlive.readResponse()
        #expect(draining.status == 503)
        #expect(draining.body == "{\"status\": \"draining\"}")
        #expect(draining.headers["connection"] == "close")
        #expect(throws: TestClient.Failure.self) { try TestClient(port: server.port) }

        for client in inFlight {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == "{\"delayed_ms\": 2000}")
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test func requestsOutlivingTheGraceAreCutAndTheProcessStillExits() throws {
        let server = try RunningServer(environment: ["SHUTDOWN_GRACE_SECONDS": "0.5"])
        let slow = try TestClient(port: server.port)
        try slow.send("GET /delay/10000 HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(100_000)
        let started = ContinuousClock.now
        #expect(server.stop(timeout: .seconds(5)) == 0)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(slow.isClosedByServer())
    }
}
