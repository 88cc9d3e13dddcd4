import Glibc

/// A TCP client socket whose every wait (connecting, the TLS handshake, sending, receiving) ends by a
/// deadline. The PostgreSQL client's connections and `app healthcheck`'s probe both use it. Used from one
/// thread at a time.
public struct DeadlineSocket {
    public let fd: Int32
    /// `host:port`, for messages.
    public let peer: String
    private var buffered: [UInt8] = []
    private var bufferStart = 0
    /// Set once `startTLS` succeeds: every byte after that goes through it.
    private var tls: TLSSession?

    /// Bytes received and not yet read.
    public var unreadByteCount: Int { buffered.count - bufferStart }

    private init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    /// Resolves `host` and connects to the first address that answers before `deadline`.
    public static func connect(host: String, port: Int, deadline: Deadline) throws(SocketFailure) -> DeadlineSocket {
        let peer = authority(host: host, port: port)
        let addresses = try HostLookup.shared.resolve(host, port: port, deadline: deadline)
        // The list is freed with `addresses`: kept alive until the last address has been tried.
        defer { withExtendedLifetime(addresses) {} }
        var lastError = SocketFailure(.unreachable, "no address for \(host)")
        var candidate: UnsafeMutablePointer<addrinfo>? = addresses.first
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

    /// Turns the connection into a TLS session with the server `host` (the handshake, then every byte after),
    /// checking its certificate as `verification` says.
    public mutating func startTLS(host: String, verification: TLSVerification, deadline: Deadline)
        throws(SocketFailure)
    {
        let session = try TLSSession(fd: fd, host: host, verification: verification)
        while true {
            switch try session.handshake() {
            case .done: tls = session; return
            case .wantRead: try wait(for: Int16(POLLIN), until: deadline, doing: "TLS handshake with \(peer)")
            case .wantWrite: try wait(for: Int16(POLLOUT), until: deadline, doing: "TLS handshake with \(peer)")
            case .closed: throw SocketFailure(.closed, "\(peer) closed the connection during the TLS handshake")
            }
        }
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(SocketFailure) {
        if let tls {
            try write(bytes, through: tls, deadline: deadline)
            return
        }
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

    private func write(_ bytes: [UInt8], through tls: TLSSession, deadline: Deadline) throws(SocketFailure) {
        var offset = 0
        while offset < bytes.count {
            // withUnsafeBytes rethrows untyped errors: the typed one travels in a Result.
            let attempt = bytes.withUnsafeBytes { all in
                Result { () throws(SocketFailure) in try tls.write(UnsafeRawBufferPointer(rebasing: all[offset...])) }
            }
            switch try attempt.get() {
            case .done(let count): offset += count
            case .wantRead: try wait(for: Int16(POLLIN), until: deadline, doing: "sending to \(peer)")
            case .wantWrite: try wait(for: Int16(POLLOUT), until: deadline, doing: "sending to \(peer)")
            case .closed: throw SocketFailure(.closed, "connection to \(peer) lost while sending")
            }
        }
    }

    /// Appends what arrives; false when the peer has closed.
    private mutating func receive(deadline: Deadline) throws(SocketFailure) -> Bool {
        if bufferStart > 0 {
            buffered.removeFirst(bufferStart)
            bufferStart = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        if let tls { return try receive(into: &chunk, through: tls, deadline: deadline) }
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

    private mutating func receive(into chunk: inout [UInt8], through tls: TLSSession, deadline: Deadline)
        throws(SocketFailure) -> Bool
    {
        while true {
            let attempt = chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(SocketFailure) in try tls.read(into: buffer) }
            }
            switch try attempt.get() {
            case .done(let count):
                buffered += chunk[..<count]
                return true
            case .closed: return false
            case .wantRead: try wait(for: Int16(POLLIN), until: deadline, doing: "waiting for \(peer)")
            case .wantWrite: try wait(for: Int16(POLLOUT), until: deadline, doing: "waiting for \(peer)")
            }
        }
    }

    public func close() {
        tls?.shutdown()
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
        /// TLS could not be set up, or the server's certificate was refused.
        case tls(TLSProblem)
    }

    /// Why TLS failed, in classes an operator can act on.
    public enum TLSProblem: Sendable, Equatable {
        /// The server does not offer TLS and the client requires it.
        case notSupported
        /// The certificate does not chain to a trusted root (or the roots could not be loaded).
        case untrusted
        /// The certificate is valid but for another host.
        case hostNameMismatch
        /// The certificate has expired, or is not valid yet.
        case expired
        /// The handshake itself failed (no common protocol or cipher, a broken peer).
        case handshake
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
