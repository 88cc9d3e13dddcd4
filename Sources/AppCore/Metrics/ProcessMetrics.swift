import Glibc

/// What the kernel says about this process, read from /proc at scrape time.
enum ProcessMetrics {
    /// Resident memory: the second field of /proc/self/statm, in pages.
    static func residentMemoryBytes() -> Int? {
        guard let statm = readProcFile("/proc/self/statm") else { return nil }
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
        guard let stat = readProcFile("/proc/self/stat"), let nameEnd = stat.lastIndex(of: ")"),
            let systemStat = readProcFile("/proc/stat")
        else { return nil }
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        // After the name: field 3 (state) is at index 0, so field 22 is at index 19.
        guard fields.count > 19, let startTicks = Double(fields[19]),
            let bootLine = systemStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(bootLine.dropFirst("btime ".count))
        else { return nil }
        return bootTime + startTicks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A small /proc file, whole. Their size is unknown to stat, so read until the end.
    private static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
