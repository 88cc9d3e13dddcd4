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

    @Test func theShutdownDelayKeepsServingWithReadinessOffThenDrains() throws {
        let server = try RunningServer(environment: ["SHUTDOWN_DELAY_SECONDS": "1.5"])
        let keptAlive = try TestClient(port: server.port)
        try keptAlive.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try keptAlive.readResponse().status == 200)
        let started = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.line(containing: "shutting down")?.contains("delay_seconds=1.5") == true)

        // During the delay: not ready, still alive, and new connections are still accepted and served.
        try keptAlive.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        let notReady = try keptAlive.readResponse()
        #expect(notReady.status == 503)
        #expect(notReady.body == "{\"status\": \"draining\"}")
        #expect(notReady.headers["connection"] == nil)
        #expect(try server.get("/livez").status == 200)
        #expect(try server.get("/").status == 200)
        #expect(try server.get("/health").status == 503)

        // After it: the listener is closed and the process exits.
        #expect(server.line(containing: "draining", timeout: .seconds(3)) != nil)
        #expect(ContinuousClock.now - started >= .seconds(1.4))
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(throws: TestClient.Failure.self) { try TestClient(port: server.port) }
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
