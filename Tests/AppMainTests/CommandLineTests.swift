import Foundation
import TestSupport
import Testing

@Suite(.blockingIO) struct CommandLineTests {
    @Test func checkPrintsOKForAValidConfiguration() throws {
        let result = try AppProcess.run(["check"], environment: ["APP_ENV": "test"])
        #expect(result.status == 0)
        #expect(result.stdout == "OK\n")
    }

    @Test(arguments: [
        ("PORT", "http"), ("HOST", "localhost"), ("APP_ENV", "Prod"), ("LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "mysql://x/y"), ("SECRET_KEY", "tooshort"), ("LOG_FORMAT", "xml"), ("LOG_FORMAT", ""),
    ])
    func eachBadVariableExits78WithOneLineNamingIt(_ name: String, _ value: String) throws {
        let result = try AppProcess.run(["check"], environment: [name: value])
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("configuration error: \(name)=") == true)
        #expect(lines.first?.contains("accepted:") == true)
    }

    @Test func badConfigurationStopsServeAt78() throws {
        let result = try AppProcess.run(["serve"], environment: ["PORT": "99999"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("PORT=\"99999\""))
        // Stopped before anything started: not a line logged, no database checked, no port bound.
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func configErrorsNeverShowPasswords() throws {
        let result = try AppProcess.run(
            ["check"], environment: ["DATABASE_URL": "postgresql://u:hunter2secret@db/app?sslmode=bogus"])
        #expect(result.status == 78)
        #expect(!result.stderr.contains("hunter2secret"))
        #expect(result.stderr.contains("postgresql://***@db/app"))
    }

    @Test func unknownCommandPrintsUsageAndExits2() throws {
        let result = try AppProcess.run(["frobnicate"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown command 'frobnicate'"))
        #expect(result.stderr.contains("usage: app"))
    }

    @Test func healthcheckTakesOnlyItsOwnFlags() throws {
        let result = try AppProcess.run(["healthcheck", "--alive"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown command 'healthcheck --alive'"))
    }

    @Test func helpAndVersion() throws {
        let help = try AppProcess.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("healthcheck"))
        let version = try AppProcess.run(["--version"], environment: ["GIT_SHA": "abc1234"])
        #expect(version.status == 0)
        #expect(version.stdout == "swift-devops-sample 1.0.0 (commit abc1234)\n")
    }
}
