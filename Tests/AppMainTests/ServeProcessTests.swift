import Foundation
import HTTPProbe
import TestSupport
import Testing

@Suite(.blockingIO) struct ServeProcessTests {
    @Test func servesHealthAndPrintsTheStartupLine() throws {
        let server = try RunningServer(environment: ["APP_ENV": "test", "GIT_SHA": "feedbeef"])
        let health = try server.get("/health")
        #expect(health.status == 200)
        #expect(health.body.hasPrefix("{\"status\": \"ok\", \"checks\": {\"database\": {\"status\": \"up\""))
        #expect(try server.get("/version").body.contains("\"commit\": \"feedbeef\""))
        #expect(server.stop() == 0)
    }

    @Test func healthcheckExitsZeroAgainstALiveServer() throws {
        let server = try RunningServer()
        let result = try AppProcess.run(["healthcheck"], environment: ["PORT": String(server.port)])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("healthy: http://127.0.0.1:\(server.port)/health answered 200"))
        _ = server.stop()
    }

    @Test func liveStaysHealthyWhileTheDatabaseIsDownAndReadyDoesNot() throws {
        // Nothing listens on the database's port: the app starts, and knows it has no database.
        let probe = try RunningServer()
        let deadPort = probe.port
        #expect(probe.stop() == 0)
        let environment = ["DATABASE_URL": "postgres://app:secret@127.0.0.1:\(deadPort)/app?connect_timeout=1"]
        let server = try RunningServer(environment: environment)
        let port = ["PORT": String(server.port)]

        let live = try AppProcess.run(["healthcheck", "--live"], environment: port)
        #expect(live.status == 0)
        #expect(live.stdout == "healthy: http://127.0.0.1:\(server.port)/livez answered 200: {\"status\": \"ok\"}\n")

        let ready = try AppProcess.run(["healthcheck", "--ready"], environment: port)
        #expect(ready.status == 1)
        #expect(ready.stderr.hasPrefix("unhealthy: http://127.0.0.1:\(server.port)/readyz answered 503:"))
        #expect(ready.stderr.contains("\"failing\": [\"database\"]"))
        #expect(try AppProcess.run(["healthcheck"], environment: port).status == 1)
        _ = server.stop()
    }

    @Test func readyAnswersWhatHealthAnswers() throws {
        let server = try RunningServer()
        let health = try server.get("/health")
        let ready = try server.get("/readyz")
        // The same answer, but for the database's latency, which each check measures anew.
        #expect(ready.status == 200 && health.status == 200)
        #expect(ready.body.hasPrefix("{\"status\": \"ok\", \"checks\": {\"database\": {\"status\": \"up\""))
        #expect(health.body.hasPrefix("{\"status\": \"ok\", \"checks\": {\"database\": {\"status\": \"up\""))
        _ = server.stop()
    }

    @Test func healthcheckExitsOneAgainstADeadPort() throws {
        // Bind and release a port so that nothing listens on it.
        let server = try RunningServer()
        let port = server.port
        #expect(server.stop() == 0)
        let result = try AppProcess.run(["healthcheck"], environment: ["PORT": String(port)])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("unhealthy: http://127.0.0.1:\(port)/health:"))
        #expect(result.stderr.contains("refused"))
    }

    @Test(.enabled(if: HostCapabilities.hasIPv6Loopback, HostCapabilities.noIPv6Loopback))
    func healthcheckProbesTheHostWhenItNamesOneAddress() throws {
        let server = try RunningServer(environment: ["HOST": "::1"])
        let result = try AppProcess.run(["healthcheck"], environment: ["PORT": String(server.port), "HOST": "::1"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("healthy: http://[::1]:\(server.port)/health"))
        _ = server.stop()
    }

    @Test func healthcheckRefusesPortZero() throws {
        let result = try AppProcess.run(["healthcheck"], environment: ["PORT": "0"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("PORT=0"))
    }

    @Test func sigtermAndSigintExitZeroQuickly() throws {
        for signal in [SIGTERM, SIGINT] {
            let server = try RunningServer()
            #expect(try server.get("/health").status == 200)
            let started = ContinuousClock.now
            #expect(server.stop(with: signal) == 0)
            // An idle server stops at once: well inside the 10 s grace it would wait for requests in progress.
            #expect(ContinuousClock.now - started < .seconds(8))
        }
    }

    /// 192.0.2.1 is set aside for documentation (RFC 5737): no machine has it.
    @Test func anAddressThisMachineLacksIsNamedAsTheCause() throws {
        let result = try AppProcess.run(["serve"], environment: ["PORT": "0", "HOST": "192.0.2.1"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("cannot listen: bind 192.0.2.1:0: Cannot assign requested address"))
        #expect(result.stderr.contains("HOST is not an address of this machine"))
        #expect(!result.stderr.contains("another server"))
    }

    @Test func portInUseIsAClearError() throws {
        let server = try RunningServer()
        let result = try AppProcess.run(["serve"], environment: ["PORT": String(server.port), "HOST": "127.0.0.1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Address already in use"))
        #expect(result.stderr.contains("is another server using this port? set PORT to change it"))
        _ = server.stop()
    }
}

@Suite(.blockingIO) struct DiagnosticRoutesProcessTests {
    @Test func whoamiShowsTheHostnameAndTheClientAddressOverTCP() throws {
        let server = try RunningServer(environment: ["APP_VERSION": "3.1.4"])
        let whoami = try server.get("/whoami")
        #expect(whoami.status == 200)
        #expect(whoami.body.contains("\"hostname\": \"\(ProcessInfo.processInfo.hostName)\""))
        #expect(whoami.body.contains("\"version\": \"3.1.4\""))
        #expect(whoami.body.contains("\"remote_address\": \"127.0.0.1\""))
        _ = server.stop()
    }

    @Test func statusAnswersWithTheCodeOverTCP() throws {
        let server = try RunningServer()
        #expect(try server.get("/status/503").status == 503)
        let noContent = try server.get("/status/204")
        #expect(noContent.status == 204)
        #expect(noContent.body.isEmpty)
        _ = server.stop()
    }
}

/// The management listener: the probes on connections of their own, which no client of the app can hold.
@Suite(.blockingIO) struct ManagementListenerTests {
    private static func requestsInFlight(port: Int) throws -> Int {
        let (_, body) = try HTTPProbe.get("/metrics", host: "127.0.0.1", port: port, timeout: .seconds(10))
        let sample = String(decoding: body, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix("http_requests_in_flight ") }
        return sample.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    }

    private static func managementPort(_ server: RunningServer) throws -> Int {
        let range = try #require(server.startupLine.range(of: " management_port="))
        return try #require(Int(server.startupLine[range.upperBound...].prefix { $0.isNumber }))
    }

    @Test func servesTheProbesAndMetricsAndNothingElse() throws {
        let server = try RunningServer(environment: ["MANAGEMENT_PORT": "0"])
        let port = try Self.managementPort(server)
        #expect(port != server.port)
        for path in ["/livez", "/readyz", "/health", "/metrics"] {
            let (status, _) = try HTTPProbe.get(path, host: "127.0.0.1", port: port, timeout: .seconds(10))
            #expect(status == 200, "\(path)")
        }
        for path in ["/", "/api/notes", "/delay/10", "/whoami"] {
            let (status, _) = try HTTPProbe.get(path, host: "127.0.0.1", port: port, timeout: .seconds(10))
            #expect(status == 404, "\(path)")
        }
        #expect(server.stop() == 0)
    }

    /// Every slot of the app's port held by requests in progress, which are never closed to make room: a probe
    /// there is turned away, and on the management port it passes every time.
    @Test func probesPassWhileRequestsHoldEveryConnectionOfTheAppsPort() throws {
        let server = try RunningServer(
            environment: ["MANAGEMENT_PORT": "0", "MAX_CONNECTIONS": "8", "SHUTDOWN_GRACE_SECONDS": "0"])
        let management = try Self.managementPort(server)
        let holders = try (0..<8).map { _ in try TestClient(port: server.port) }
        for holder in holders { try holder.send("GET /delay/10000 HTTP/1.1\r\nHost: t\r\n\r\n") }
        // Counted by the app's metrics, read where the scrape cannot be turned away (and is not counted).
        let deadline = ContinuousClock.now + AppProcess.patience
        while try Self.requestsInFlight(port: management) < 8 && ContinuousClock.now < deadline { usleep(10_000) }
        let turnedAway = try AppProcess.run(["healthcheck", "--live"], environment: ["PORT": String(server.port)])
        #expect(turnedAway.status == 1)
        let environment = ["PORT": String(server.port), "MANAGEMENT_PORT": String(management)]
        for _ in 0..<20 {
            let probe = try AppProcess.run(["healthcheck", "--live"], environment: environment)
            #expect(probe.status == 0, "\(probe.stderr)")
            #expect(probe.stdout.hasPrefix("healthy: http://127.0.0.1:\(management)/livez answered 200"))
        }
        withExtendedLifetime(holders) {}
        #expect(server.stop() == 0)
    }
}
