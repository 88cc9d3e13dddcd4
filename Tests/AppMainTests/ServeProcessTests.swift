import Foundation
import HTTPServer
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
