/// The memory this process may use before the kernel kills it, when a container limit sets one (`docker run
/// --memory`, a Kubernetes memory limit): the server's buffer budget is sized from it, as the event-loop count is
/// from the CPU limit.
public struct MemoryLimit: Sendable, Equatable, CustomStringConvertible {
    public let bytes: Int
    /// Where it was read, for the startup line: `cgroup memory.max`, `cgroup memory.limit_in_bytes`.
    public let source: String

    public var description: String { "\(source) \(bytes)" }

    public init(bytes: Int, source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// cgroup v2's `memory.max`, else v1's `memory.limit_in_bytes`; nil without a limit.
    public static func detect() -> MemoryLimit? {
        if let text = KernelFile.read("/sys/fs/cgroup/memory.max") { return parseMemoryMax(text) }
        guard let text = KernelFile.read("/sys/fs/cgroup/memory/memory.limit_in_bytes") else { return nil }
        return parseLimitInBytes(text)
    }

    /// cgroup v2: `max` (no limit) or a number of bytes.
    static func parseMemoryMax(_ text: String) -> MemoryLimit? {
        guard let bytes = Int(text.filter { !$0.isWhitespace }), bytes > 0 else { return nil }
        return MemoryLimit(bytes: bytes, source: "cgroup memory.max")
    }

    /// cgroup v1 has no word for "no limit": it writes the largest page-aligned number, about 2^63.
    static func parseLimitInBytes(_ text: String) -> MemoryLimit? {
        guard let bytes = Int(text.filter { !$0.isWhitespace }), bytes > 0, bytes < 1 << 62 else { return nil }
        return MemoryLimit(bytes: bytes, source: "cgroup memory.limit_in_bytes")
    }
}
