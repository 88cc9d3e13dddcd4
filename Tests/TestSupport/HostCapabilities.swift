import Glibc
import Testing

/// What the machine running the tests can do. A container often has no IPv6 at all (Docker's default
/// networks), and a test that needs it skips there with the reason, rather than failing for the machine.
public enum HostCapabilities {
    /// True when a socket can be bound to the IPv6 loopback address.
    public static let hasIPv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
            }
        }
    }()

    public static let noIPv6Loopback: Comment = "this machine has no IPv6 loopback address (::1), as in many containers"
}
