import CSystem
import Glibc

/// The socket calls the server makes, in one place, so the rest of the server reads as plain Swift.
enum Socket {
    /// A non-blocking listening socket on `address`; returns it and the port actually bound (for port 0).
    static func listen(on address: SocketAddress, backlog: Int32) throws(SystemCallError) -> (fd: Int32, port: Int) {
        let fd = socket(
            address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError("socket") }
        do throws(SystemCallError) {
            // Lets a restarted server bind while old connections sit in TIME_WAIT; unlike SO_REUSEPORT
            // it never lets two live servers share the port.
            setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            // Linux gives every accepted connection the listener's TCP_NODELAY: one call here rather than one
            // per connection, which with `Connection: close` is one per request.
            setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            if address.family == AF_INET6 && address.isWildcard {
                setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0)
            }
            let bound = address.withSockaddr { Glibc.bind(fd, $0, $1) }
            guard bound == 0 else { throw SystemCallError("bind \(address)") }
            guard Glibc.listen(fd, backlog) == 0 else { throw SystemCallError("listen \(address)") }
            return (fd, try localPort(of: fd))
        } catch {
            close(fd)
            throw error
        }
    }

    static func localPort(of fd: Int32) throws(SystemCallError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw SystemCallError("getsockname") }
        return withUnsafeBytes(of: storage) { bytes in
            // sin_port and sin6_port sit at the same offset, in network byte order.
            Int(UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
        }
    }

    enum AcceptResult {
        /// The connection, and its peer's address as text for logs (`-` for a family without one).
        case accepted(Int32, peer: String)
        /// Nothing is waiting.
        case empty
        /// One connection failed before it was taken (the client gave up): try the next.
        case skipped
        /// The process or system is out of descriptors or memory: stop accepting for a moment.
        case exhausted
    }

    static func accept(_ listener: Int32) -> AcceptResult {
        var peer = sockaddr_storage()
        let fd = withUnsafeMutableBytes(of: &peer) { csystem_accept(listener, $0.baseAddress, UInt32($0.count)) }
        guard fd >= 0 else {
            switch errno {
            case EAGAIN: return .empty
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .exhausted
            default: return .skipped
            }
        }
        let text = withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { numericHost($0) }
        }
        return .accepted(fd, peer: text ?? "-")
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// An IPv4 or IPv6 address as text (`172.17.0.2`, `fe80::1`), or nil for another family.
    static func numericHost(_ address: UnsafePointer<sockaddr>) -> String? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            // By hand: with `Connection: close`, every request is a new client, and inet_ntop's printf costs
            // more than the rest of the request's parsing.
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                dottedQuad(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
            }
        case AF_INET6:
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let converted = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                var ip = address.pointee.sin6_addr
                return inet_ntop(AF_INET6, &ip, &text, socklen_t(text.count)) != nil
            }
            return converted
                ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        default:
            return nil
        }
    }

    /// `a.b.c.d`, for an address in host byte order.
    static func dottedQuad(_ address: UInt32) -> String {
        String(unsafeUninitializedCapacity: 15) { text in
            var length = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                if shift != 24 {
                    text[length] = UInt8(ascii: ".")
                    length += 1
                }
                let octet = Int(address >> UInt32(shift) & 0xFF)
                if octet >= 100 {
                    text[length] = UInt8(ascii: "0") + UInt8(octet / 100)
                    length += 1
                }
                if octet >= 10 {
                    text[length] = UInt8(ascii: "0") + UInt8(octet / 10 % 10)
                    length += 1
                }
                text[length] = UInt8(ascii: "0") + UInt8(octet % 10)
                length += 1
            }
            return length
        }
    }
}
