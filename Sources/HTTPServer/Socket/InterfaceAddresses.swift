import Glibc

/// The addresses this machine (in Docker, this container) has on its network interfaces, as `getifaddrs`
/// lists them: IPv4 first, then IPv6, loopback left out, each once. What tells replicas apart on a network.
public func interfaceAddresses() -> [String] {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0, let first = list else { return [] }
    defer { freeifaddrs(first) }
    var ipv4: [String] = []
    var ipv6: [String] = []
    for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
        guard let address = entry.pointee.ifa_addr, entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0,
            let text = Socket.numericHost(address)
        else { continue }
        if Int32(address.pointee.sa_family) == AF_INET {
            if !ipv4.contains(text) { ipv4.append(text) }
        } else if !ipv6.contains(text) {
            ipv6.append(text)
        }
    }
    return ipv4 + ipv6
}
