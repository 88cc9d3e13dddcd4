import Foundation
import TestSupport
import Testing

@Suite(.blockingIO) struct ShutdownTests {
    @Test func sigtermDrainsInFlightRequestsAndReportsDraining() throws {
        // A grace far longer than the requests: the process must exit when they are done, not when it ends.
        let server = try RunningServer(environment: ["SHUTDOWN_GRACE_SECONDS": "60"])
        let keptAlive = try TestClient(port: server.port)
        try keptAlive.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try keptAlive.readResponse().status == 200)

        let inFlight = try (0..<20).map { _ in try TestClient(port: server.port) }
        for client in inFlight {
            try client.send("GET /delay/2000 HTTP/1.1\r\nHost: t\r\n\r\n")
        }
        try server.waitForRequestsInFlight(20)
        let started = ContinuousClock.now
        server.child.signal(SIGTERM)
        try server.waitUntilRefusingConnections()

        try keptAlive.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        let draining = try keptAlive.readResponse()
        #expect(draining.status == 503)
        #expect(draining.body == "{\"status\": \"draining\"}")
        #expect(draining.headers["connection"] == "close")

        for client in inFlight {
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == "{\"delayed_ms\": 2000}")
        }
        #expect(server.child.waitForExit(timeout: AppProcess.patience) == 0)
        // Far below the 60 s grace however busy the machine: the drain ended when the requests did.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func theShutdownDelayKeepsServingWithReadinessOffThenDrains() throws {
        // Long enough for the checks below to run inside it on a busy machine.
        let server = try RunningServer(environment: ["SHUTDOWN_DELAY_SECONDS": "4"])
        let keptAlive = try TestClient(port: server.port)
        try keptAlive.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try keptAlive.readResponse().status == 200)
        let started = ContinuousClock.now
        server.child.signal(SIGTERM)
        #expect(server.line(containing: "shutting down")?.contains("delay_seconds=4") == true)

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
        #expect(server.line(containing: "draining", timeout: AppProcess.patience) != nil)
        #expect(ContinuousClock.now - started >= .seconds(4))
        #expect(server.child.waitForExit(timeout: AppProcess.patience) == 0)
        #expect(throws: TestClient.Failure.self) { try TestClient(port: server.port) }
    }

    @Test func requestsOutlivingTheGraceAreCutAndTheProcessStillExits() throws {
        let server = try RunningServer(environment: ["SHUTDOWN_GRACE_SECONDS": "0.5"])
        // The longest delay there is; the client waits a little less for an answer.
        let slow = try TestClient(port: server.port, timeoutSeconds: 9)
        try slow.send("GET /delay/10000 HTTP/1.1\r\nHost: t\r\n\r\n")
        try server.waitForRequestsInFlight(1)
        #expect(server.stop() == 0)
        // Closed without an answer, before the request could have been answered: the grace, not the request,
        // ended the process.
        #expect(slow.isClosedByServer())
        #expect(slow.unreadByteCount == 0)
    }
}

/// A second SIGTERM or SIGINT (an impatient operator, Ctrl-C twice) stops the process at once, says so, and
/// exits with the status a shell shows for a process that signal ended.
@Suite(.blockingIO) struct SecondSignalTests {
    @Test func aSecondSigtermCutsTheGraceShortAndExits143() throws {
        let server = try RunningServer(environment: ["SHUTDOWN_GRACE_SECONDS": "60"])
        let slow = try TestClient(port: server.port, timeoutSeconds: 9)
        try slow.send("GET /delay/10000 HTTP/1.1\r\nHost: t\r\n\r\n")
        try server.waitForRequestsInFlight(1)
        server.child.signal(SIGTERM)
        // Two signals sent at once would arrive as one: the second goes after the first is seen.
        #expect(server.line(containing: "shutting down") != nil)
        server.child.signal(SIGTERM)
        #expect(server.child.waitForExit(timeout: AppProcess.patience) == 128 + SIGTERM)
        let line = try #require(server.line(containing: "stopping now"))
        #expect(line.contains("signal=SIGTERM"))
        #expect(line.contains("requests_cut=1"))
        // Cut, not answered: the request still had seconds to go.
        #expect(slow.isClosedByServer())
        #expect(slow.unreadByteCount == 0)
    }

    @Test func aSecondSigintDuringTheShutdownDelayStopsAtOnceAndExits130() throws {
        let server = try RunningServer(environment: ["SHUTDOWN_DELAY_SECONDS": "300"])
        server.child.signal(SIGINT)
        #expect(server.line(containing: "shutting down") != nil)
        server.child.signal(SIGINT)
        // Far below the five-minute delay it cuts short, however busy the machine.
        #expect(server.child.waitForExit(timeout: AppProcess.patience) == 128 + SIGINT)
        #expect(server.line(containing: "stopping now")?.contains("signal=SIGINT") == true)
    }
}
