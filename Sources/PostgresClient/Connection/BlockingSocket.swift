import Dispatch
import Glibc

/// A TCP socket whose every read and write has a deadline. Used from one thread at a time.
struct BlockingSocket {
    let fd: Int32
    private var buffered: [UInt8] = []
    private var bufferStart = 0

    /// Resolves `host` and connects to the first address that answers before `deadline`.
    static func connect(host: String, port: Int, deadline: Deadline) throws(PostgresError) -> BlockingSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw PostgresError(.connection, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var lastError = PostgresError(.connection, "no address for \(host)")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let fd = socket(
                address.pointee.ai_family,
                address.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            do throws(PostgresError) {
                try finishConnect(fd, address.pointee, deadline: deadline, host: host, port: port)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return BlockingSocket(fd: fd)
            } catch {
                Glibc.close(fd)
                lastError = error
                if error.kind == .timeout { throw error }
            }
        }
        throw lastError
    }

    private static func finishConnect(_ fd: Int32, _ address: addrinfo, deadline: Deadline, host: String, port: Int)
        throws(PostgresError)
    {
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 && errno != EINPROGRESS {
            throw connectFailure(errno, host: host, port: port)
        }
        try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "connecting to \(host):\(port)")
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error != 0 { throw connectFailure(error, host: host, port: port) }
    }

    private static func connectFailure(_ code: Int32, host: String, port: Int) -> PostgresError {
        PostgresError(
            code == ECONNREFUSED ? .refused : .connection,
            "cannot connect to \(host):\(port): \(String(cString: strerror(code)))")
    }

    func write(_ bytes: [UInt8], deadline: Deadline) throws(PostgresError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && errno == EAGAIN {
                try Self.wait(fd, for: Int16(POLLOUT), until: deadline, doing: "sending to the server")
            } else if !(sent < 0 && errno == EINTR) {
                throw PostgresError(.closed, "connection to the server lost while sending")
            }
        }
    }

    /// Exactly `count` bytes.
    mutating func read(_ count: Int, deadline: Deadline) throws(PostgresError) -> [UInt8] {
        while buffered.count - bufferStart < count {
            if bufferStart > 0 {
                buffered.removeFirst(bufferStart)
                bufferStart = 0
            }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                buffered += chunk[..<received]
            } else if received == 0 {
                throw PostgresError(.closed, "the server closed the connection")
            } else if errno == EAGAIN {
                try Self.wait(fd, for: Int16(POLLIN), until: deadline, doing: "waiting for the server")
            } else if errno != EINTR {
                throw PostgresError(.closed, "connection to the server lost: \(String(cString: strerror(errno)))")
            }
        }
        defer { bufferStart += count }
        return Array(buffered[bufferStart..<bufferStart + count])
    }

    func close() {
        Glibc.close(fd)
    }

    private static func wait(_ fd: Int32, for events: Int16, until deadline: Deadline, doing what: String)
        throws(PostgresError)
    {
        while true {
            let remaining = deadline.remainingMilliseconds
            guard remaining > 0 else { throw PostgresError(.timeout, "timed out \(what)") }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, Int(Int32.max))))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw PostgresError(.closed, "poll failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// A point in time on the monotonic clock by which an operation must end.
public struct Deadline: Sendable, Comparable {
    public let instant: ContinuousClock.Instant

    public init(_ instant: ContinuousClock.Instant) {
        self.instant = instant
    }

    public init(after duration: Duration) {
        instant = .now + duration
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }

    /// Rounded up, so a wait never ends just short of the deadline; 0 once it has passed.
    var remainingMilliseconds: Int {
        let now = ContinuousClock.now
        guard now < instant else { return 0 }
        let (seconds, attoseconds) = (instant - now).components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000) + 1
    }

    /// The same moment for Dispatch timers.
    var dispatchTime: DispatchTime {
        .now() + .milliseconds(remainingMilliseconds)
    }
}
