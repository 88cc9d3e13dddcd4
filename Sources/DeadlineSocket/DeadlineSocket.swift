import Glibc

/// A TCP client socket whose every wait (connecting, sending, receiving) ends by a deadline. The PostgreSQL
/// client's connections and `app healthcheck`'s probe both use it. Used from one thread at a time.
public struct DeadlineSocket {
    public let fd: Int32
    /// `host:port`, for messages.
    public let peer: String
    private var buffered: [UInt8] = []
    private var bufferStart = 0

    private init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    /// Resolves `host` and connects to the first address that answers before `deadline`.
    public static func connect(host: String, port: Int, deadline: Deadline) throws(SocketFailure) -> DeadlineSocket {
        let peer = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw SocketFailure(.unresolved, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var lastError = SocketFailure(.unreachable, "no address for \(host)")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let fd = socket(
                address.pointee.ai_family,
                address.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            let socket = DeadlineSocket(fd: fd, peer: peer)
            do throws(SocketFailure) {
                try socket.finishConnect(address.pointee, deadline: deadline)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return socket
            } catch {
                socket.close()
                lastError = error
                if error.kind == .timeout { throw error }
            }
        }
        throw lastError
    }

    private func finishConnect(_ address: addrinfo, deadline: Deadline) throws(SocketFailure) {
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 && errno != EINPROGRESS {
            throw connectFailure(errno)
        }
        try wait(for: Int16(POLLOUT), until: deadline, doing: "connecting to \(peer)")
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error != 0 { throw connectFailure(error) }
    }

    private func connectFailure(_ code: Int32) -> SocketFailure {
        SocketFailure(
            code == ECONNREFUSED ? .refused : .unreachable,
            "cannot connect to \(peer): \(String(cString: strerror(code)))")
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(SocketFailure) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && errno == EAGAIN {
                try wait(for: Int16(POLLOUT), until: deadline, doing: "sending to \(peer)")
            } else if !(sent < 0 && errno == EINTR) {
                throw SocketFailure(.closed, "connection to \(peer) lost while sending")
            }
        }
    }

    /// Exactly `count` bytes.
    public mutating func read(_ count: Int, deadline: Deadline) throws(SocketFailure) -> [UInt8] {
        while buffered.count - bufferStart < count {
            guard try receive(deadline: deadline) else {
                throw SocketFailure(.closed, "\(peer) closed the connection")
            }
        }
        defer { bufferStart += count }
        return Array(buffered[bufferStart..<bufferStart + count])
    }

    /// Everything until the peer closes, or the first `maxBytes`.
    public mutating func readToEnd(maxBytes: Int, deadline: Deadline) throws(SocketFailure) -> [UInt8] {
        while buffered.count - bufferStart < maxBytes, try receive(deadline: deadline) {}
        return Array(buffered[bufferStart..<min(buffered.count, bufferStart + maxBytes)])
    }

    /// Appends what arrives; false when the peer has closed.
    private mutating func receive(deadline: Deadline) throws(SocketFailure) -> Bool {
        if bufferStart > 0 {
            buffered.removeFirst(bufferStart)
            bufferStart = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                buffered += chunk[..<received]
                return true
            } else if received == 0 {
                return false
            } else if errno == EAGAIN {
                try wait(for: Int16(POLLIN), until: deadline, doing: "waiting for \(peer)")
            } else if errno != EINTR {
                throw SocketFailure(.closed, "connection to \(peer) lost: \(String(cString: strerror(errno)))")
            }
        }
    }

    public func close() {
        Glibc.close(fd)
    }

    private func wait(for events: Int16, until deadline: Deadline, doing what: String) throws(SocketFailure) {
        while true {
            let remaining = deadline.remainingMilliseconds
            guard remaining > 0 else { throw SocketFailure(.timeout, "timed out \(what)") }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, Int(Int32.max))))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw SocketFailure(.closed, "poll failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Why a socket operation failed; `message` names the peer and the step.
public struct SocketFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The host name did not resolve.
        case unresolved
        /// Nothing listens at the address.
        case refused
        /// No route, network down, or no address that answered.
        case unreachable
        case timeout
        /// The connection broke, or the peer closed it.
        case closed
    }

    public let kind: Kind
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
