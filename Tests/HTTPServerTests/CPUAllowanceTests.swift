import Testing

@testable import HTTPServer

/// The loop count under `docker run --cpus` and `--cpuset-cpus` on a large host.
@Suite struct CPUAllowanceTests {
    @Test func aQuotaCapsTheCountRoundedUp() {
        let quota = CPUAllowance.parseCPUMax("150000 100000\n")
        #expect(quota?.cpus == 2)
        #expect(
            CPUAllowance.resolve(online: 32, affinity: 32, quota: quota)
                == CPUAllowance(count: 2, reason: "cgroup cpu.max 150000/100000"))
        #expect(
            CPUAllowance.resolve(online: 32, affinity: 32, quota: CPUAllowance.parseCPUMax("100000 100000"))
                .count == 1)
        #expect(CPUAllowance.parseCPUMax("50000 100000")?.cpus == 1)
    }

    @Test func noQuotaLeavesTheCPUsTheProcessMayUse() {
        #expect(CPUAllowance.parseCPUMax("max 100000") == nil)
        #expect(CPUAllowance.parseCFS(quota: "-1\n", period: "100000\n") == nil)
        #expect(CPUAllowance.resolve(online: 32, affinity: 1, quota: nil) == CPUAllowance(count: 1, reason: "affinity"))
        #expect(CPUAllowance.resolve(online: 4, affinity: 4, quota: nil) == CPUAllowance(count: 4, reason: "online"))
    }

    @Test func cgroupV1QuotaIsReadToo() {
        let quota = CPUAllowance.parseCFS(quota: "200000\n", period: "100000\n")
        #expect(quota?.cpus == 2)
        #expect(
            CPUAllowance.resolve(online: 8, affinity: 8, quota: quota).reason == "cgroup cpu.cfs_quota_us 200000/100000"
        )
    }

    @Test func theSmallerOfAffinityAndQuotaWins() {
        let quota = CPUAllowance.parseCPUMax("400000 100000")
        #expect(CPUAllowance.resolve(online: 32, affinity: 2, quota: quota).count == 2)
        #expect(CPUAllowance.resolve(online: 0, affinity: 0, quota: nil).count == 1)
    }

    @Test func thisMachineHasAtLeastOne() {
        #expect(CPUAllowance.detect().count >= 1)
    }
}
