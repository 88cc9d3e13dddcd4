import Glibc
import HTTPServer

/// What the kernel says about this process, read from /proc at scrape time.
enum ProcessMetrics {
    /// Resident memory: the second field of /proc/self/statm, in pages.
    static func residentMemoryBytes() -> Int? {
        guard let statm = KernelFile.read("/proc/self/statm") else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Open file descriptors: the entries of /proc/self/fd, less the one used to list them.
    static func openFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return count - 1
    }

    /// Seconds since the Unix epoch when the process started: the boot time from /proc/stat plus the start
    /// tick from /proc/self/stat (field 22, counted after the command name, which may hold spaces).
    static func startTimeSeconds() -> Double? {
        guard let stat = KernelFile.read("/proc/self/stat"), let nameEnd = stat.lastIndex(of: ")"),
            let systemStat = KernelFile.read("/proc/stat")
        else { return nil }
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        // After the name: field 3 (state) is at index 0, so field 22 is at index 19.
        guard fields.count > 19, let startTicks = Double(fields[19]),
            let bootLine = systemStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(bootLine.dropFirst("btime ".count))
        else { return nil }
        return bootTime + startTicks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
