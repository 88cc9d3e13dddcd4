import Glibc

/// An IPv4 or IPv6 address and port, parsed from literals only (no name resolution).
public struct SocketAddress: Sendable, CustomStringConvertible {
    enum Storage: Sendable {
        case v4(sockaddr_in)
        case v6(sockaddr_in6)
    }

    let storage: Storage
    public let host: String
    public let port: Int

    /// nil when `host` is not an IPv4 or IPv6 literal or `port` is out of range.
    public init?(host: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        let networkPort = in_port_t(UInt16(port)).bigEndian
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = networkPort
            storage = .v4(v4)
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = networkPort
            storage = .v6(v6)
        } else {
            return nil
        }
        self.host = host
        self.port = port
    }

    public static func isIPLiteral(_ host: String) -> Bool {
        SocketAddress(host: host, port: 0) != nil
    }

    var family: Int32 {
        switch storage {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    /// True for 0.0.0.0 and ::, which listen on every interface.
    public var isWildcard: Bool {
        switch storage {
        case .v4(let address): address.sin_addr.s_addr == 0
        case .v6(let address):
            withUnsafeBytes(of: address.sin6_addr) { bytes in bytes.allSatisfy { $0 == 0 } }
        }
    }

    public var description: String {
        if case .v6 = storage { return "[\(host)]:\(port)" }
        return "\(host):\(port)"
    }

    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch storage {
        case .v4(var address):
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(var address):
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}
