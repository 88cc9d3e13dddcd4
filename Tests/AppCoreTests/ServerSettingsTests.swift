import Testing

@testable import AppCore
@testable import HTTPServer

@Suite struct ServerSettingsTests {
    private func load(_ environment: [String: String]) throws(ConfigError) -> ServerSettings {
        try AppConfig.load(from: environment).server
    }

    @Test func bodyRateDeadlineAndBudgetReachTheServer() throws {
        let settings = try load([
            "BODY_MIN_RATE_BYTES_PER_SECOND": "0", "BODY_RATE_GRACE_SECONDS": "2.5", "BODY_DEADLINE_SECONDS": "30",
            "MAX_BUFFERED_BYTES": "2097152",
        ])
        let configuration = settings.serverConfiguration(address: try #require(SocketAddress(host: "::", port: 1)))
        #expect(configuration.timeouts.bodyMinimumRate == 0)
        #expect(configuration.timeouts.bodyRateGrace == .milliseconds(2500))
        #expect(configuration.timeouts.bodyDeadline == .seconds(30))
        #expect(configuration.maxBufferedBytes == 2 * 1024 * 1024)
    }

    /// The default budget follows a container's memory limit, as the event loops follow its CPU limit: a
    /// 128 MiB container gets 32 MiB, and the startup line says why.
    @Test func theBufferBudgetFollowsTheContainersMemoryLimit() throws {
        let limited = try AppConfig.load(
            from: [:], memoryLimit: MemoryLimit(bytes: 128 * 1024 * 1024, source: "cgroup memory.max")
        ).server
        #expect(limited.maxBufferedBytes == 32 * 1024 * 1024)
        #expect(limited.maxBufferedBytesSource == "a quarter of cgroup memory.max 134217728")

        let roomy = try AppConfig.load(
            from: [:], memoryLimit: MemoryLimit(bytes: 8 << 30, source: "cgroup memory.max")
        ).server
        #expect(roomy.maxBufferedBytes == ServerConfiguration.defaultMaxBufferedBytes)
        #expect(roomy.maxBufferedBytesSource == "default")
        #expect(try AppConfig.load(from: [:], memoryLimit: nil).server.maxBufferedBytesSource == "default")

        // Never below two bodies; and the variable, when set, wins.
        let tiny = try AppConfig.load(from: [:], memoryLimit: MemoryLimit(bytes: 2 << 20, source: "test")).server
        #expect(tiny.maxBufferedBytes == 2 * 1024 * 1024)
        let chosen = try AppConfig.load(
            from: ["MAX_BUFFERED_BYTES": "2097152"], memoryLimit: MemoryLimit(bytes: 128 << 20, source: "test")
        ).server
        #expect(chosen.maxBufferedBytes == 2 * 1024 * 1024)
        #expect(chosen.maxBufferedBytesSource == "MAX_BUFFERED_BYTES")
    }

    @Test func readsBothCgroupVersionsAndTheirWordsForNoLimit() {
        #expect(
            MemoryLimit.parseMemoryMax("134217728\n") == MemoryLimit(bytes: 134_217_728, source: "cgroup memory.max"))
        #expect(MemoryLimit.parseMemoryMax("max\n") == nil)
        #expect(
            MemoryLimit.parseLimitInBytes("134217728\n")
                == MemoryLimit(bytes: 134_217_728, source: "cgroup memory.limit_in_bytes"))
        #expect(MemoryLimit.parseLimitInBytes("9223372036854771712\n") == nil)
    }

    /// A budget smaller than one body would leave that body waiting for room forever, and an overdraft (one
    /// body past a spent budget) must fit inside it beside the connections' allowances.
    @Test func theBufferBudgetMustHoldTwiceTheLargestBody() {
        do {
            _ = try load(["MAX_BODY_BYTES": "8388608", "MAX_BUFFERED_BYTES": "12582912"])
            Issue.record("a budget below twice MAX_BODY_BYTES was accepted")
        } catch {
            #expect(error.variable == "MAX_BUFFERED_BYTES")
            #expect(error.accepted.contains("from 16777216 to"))
        }
    }

    @Test func eachVariableSetsItsLimit() throws {
        let settings = try load([
            "MAX_HEADER_BYTES": "4096", "MAX_URI_BYTES": "1024", "MAX_HEADER_COUNT": "20", "MAX_BODY_BYTES": "0",
            "MAX_CONNECTIONS": "10", "MAX_PENDING_OUTPUT_BYTES": "65536", "HEADER_TIMEOUT_SECONDS": "0.5",
            "BODY_TIMEOUT_SECONDS": "2", "IDLE_TIMEOUT_SECONDS": "1.25", "WRITE_TIMEOUT_SECONDS": "3",
            "SHUTDOWN_GRACE_SECONDS": "0",
        ])
        #expect(settings.limits.maxHeaderBytes == 4096)
        #expect(settings.limits.maxTargetBytes == 1024)
        #expect(settings.limits.maxHeaderCount == 20)
        #expect(settings.limits.maxBodyBytes == 0)
        #expect(settings.maxConnections == 10)
        #expect(settings.maxPendingOutputBytes == 65536)
        #expect(settings.timeouts.header == .milliseconds(500))
        #expect(settings.timeouts.body == .seconds(2))
        #expect(settings.timeouts.idle == .milliseconds(1250))
        #expect(settings.timeouts.write == .seconds(3))
        #expect(settings.shutdownGrace == .zero)
        let configuration = settings.serverConfiguration(address: try #require(SocketAddress(host: "::", port: 1)))
        #expect(configuration.limits == settings.limits)
        #expect(configuration.maxConnections == 10)
    }

    @Test(arguments: [
        ("MAX_HEADER_BYTES", "100"), ("MAX_HEADER_BYTES", "lots"), ("MAX_URI_BYTES", "0"), ("MAX_HEADER_COUNT", "0"),
        ("MAX_BODY_BYTES", "-1"), ("MAX_CONNECTIONS", "0"), ("MAX_PENDING_OUTPUT_BYTES", "1"),
        ("HEADER_TIMEOUT_SECONDS", "0"), ("BODY_TIMEOUT_SECONDS", "nan"), ("IDLE_TIMEOUT_SECONDS", "inf"),
        ("WRITE_TIMEOUT_SECONDS", "1e3"), ("SHUTDOWN_GRACE_SECONDS", "-1"), ("SHUTDOWN_GRACE_SECONDS", ""),
        ("BODY_MIN_RATE_BYTES_PER_SECOND", "-5"), ("BODY_RATE_GRACE_SECONDS", "0"), ("BODY_DEADLINE_SECONDS", "x"),
        ("MAX_BUFFERED_BYTES", "1000"), ("DATABASE_TIMEOUT_SECONDS", "0"), ("DATABASE_TIMEOUT_SECONDS", "301"),
    ])
    func rejectsOutOfRangeValues(_ name: String, _ value: String) {
        do {
            _ = try load([name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch {
            #expect(error.variable == name)
            #expect(error.accepted.contains(" to "))
        }
    }
}
