import CSystem
import Glibc

/// How many CPUs this process can keep busy, and why: one event loop each. The CPUs online, fewer when the
/// process is pinned to some (`taskset`, `docker run --cpuset-cpus`), fewer again when a CPU quota caps it
/// (`docker run --cpus`, a Kubernetes CPU limit). A 32-core host running the app under `--cpus=1` must not
/// start 32 loops that the quota then throttles in turn.
public struct CPUAllowance: Sendable, Equatable, CustomStringConvertible {
    public let count: Int
    /// What set the count, for the startup line: `online`, `affinity`, `cgroup cpu.max 150000/100000`.
    public let reason: String

    public var description: String { "\(count) (\(reason))" }

    public init(count: Int, reason: String) {
        self.count = count
        self.reason = reason
    }

    /// Reads this process's affinity and its cgroup's quota (v2 `cpu.max`, else v1 `cpu.cfs_quota_us`).
    public static func detect() -> CPUAllowance {
        resolve(
            online: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), affinity: Int(csystem_affinity_cpu_count()),
            quota: cgroupQuota())
    }

    /// A CPU quota: `quota` microseconds of CPU time in each `period`.
    struct Quota: Equatable {
        let quota: Int
        let period: Int
        let source: String

        /// Rounded up: a quota of 1.5 CPUs keeps two loops partly busy better than one fully.
        var cpus: Int { max(1, (quota + period - 1) / period) }
    }

    static func resolve(online: Int, affinity: Int, quota: Quota?) -> CPUAllowance {
        var allowance = CPUAllowance(count: max(1, online), reason: "online")
        if affinity > 0, affinity < allowance.count { allowance = CPUAllowance(count: affinity, reason: "affinity") }
        if let quota, quota.cpus < allowance.count {
            allowance = CPUAllowance(count: quota.cpus, reason: "\(quota.source) \(quota.quota)/\(quota.period)")
        }
        return allowance
    }

    /// cgroup v2: `max 100000` (no quota) or `150000 100000`.
    static func parseCPUMax(_ text: String) -> Quota? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0
        else { return nil }
        return Quota(quota: quota, period: period, source: "cgroup cpu.max")
    }

    /// cgroup v1: `cpu.cfs_quota_us` is -1 without a quota.
    static func parseCFS(quota: String, period: String) -> Quota? {
        guard let quota = Int(quota.trimmingWhitespace), let period = Int(period.trimmingWhitespace), quota > 0,
            period > 0
        else { return nil }
        return Quota(quota: quota, period: period, source: "cgroup cpu.cfs_quota_us")
    }

    private static func cgroupQuota() -> Quota? {
        if let text = KernelFile.read("/sys/fs/cgroup/cpu.max") { return parseCPUMax(text) }
        for directory in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
            if let quota = KernelFile.read("\(directory)/cpu.cfs_quota_us"),
                let period = KernelFile.read("\(directory)/cpu.cfs_period_us")
            {
                return parseCFS(quota: quota, period: period)
            }
        }
        return nil
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<max(start, end)]
    }
}
