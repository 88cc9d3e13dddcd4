import Glibc

/// A blocking TCP client for tests: sends raw bytes and reads raw HTTP/1.1 responses, with a timeout on every read.
public final class TestClient {
    public struct Response {
        public let status: Int
        public let headers: [String: String]
        public let body: String
        public let head: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let fd: Int32
    private var buffered: [UInt8] = []
    /// What `sendWithoutBlocking` could not send yet.
    private var unsent: [UInt8] = []

    /// Tests open hundreds of sockets at once, in suites that run in parallel, with both ends in this one
    /// process; a container's soft limit is often 1024, and past it the server under test stops accepting.
    /// Raised once to the hard limit, as `app serve` does for itself.
    private static let openFileLimitRaised: Void = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }()

    public init(port: Int, timeoutSeconds: Int = 5) throws {
        Self.openFileLimitRaised
        // `self.fd` is set only once connected. Were it set before a failure, the deinit would run when the
        // initializer throws and close the descriptor a second time: by then another thread may have been
        // given that number (a SQLite file, a libdispatch pipe), and it would be closed under it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            throw Failure(description: "connect failed: errno \(error)")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Sends what the socket takes now and keeps the rest for `finishSending`: for a server that may stop
    /// reading, without blocking the test.
    public func sendWithoutBlocking(_ bytes: [UInt8]) throws {
        unsent += bytes
        while !unsent.isEmpty {
            let sent = unsent.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                unsent.removeFirst(sent)
            } else if errno == EAGAIN {
                return
            } else {
                throw Failure(description: "send failed: errno \(errno)")
            }
        }
    }

    /// Sends what `sendWithoutBlocking` left, waiting as long as the send timeout allows.
    public func finishSending() throws {
        let rest = unsent
        unsent = []
        try send(rest)
    }

    /// A small receive buffer, so that responses the test does not read back up into the server.
    public func shrinkReceiveBuffer() {
        var size: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// True when the server has sent something not read yet (or closed).
    public func hasDataWaiting() -> Bool {
        if !buffered.isEmpty { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Reads one response; `bodyExpected: false` for answers to HEAD.
    public func readResponse(bodyExpected: Bool = true) throws -> Response {
        let headEnd = try readUntil([13, 10, 13, 10])
        let head = String(decoding: buffered[..<headEnd], as: UTF8.self)
        buffered.removeFirst(headEnd + 4)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingPrefix(" ").description
        }
        let hasBody = bodyExpected && status >= 200 && status != 204 && status != 304
        if hasBody, headers["transfer-encoding"] == "chunked" {
            return Response(status: status, headers: headers, body: try readChunkedBody(), head: head)
        }
        if hasBody, headers["content-length"] == nil {
            // Delimited by the end of the connection (HTTP/1.0).
            while try readMore() {}
            defer { buffered = [] }
            return Response(
                status: status, headers: headers, body: String(decoding: buffered, as: UTF8.self), head: head)
        }
        let length = hasBody ? Int(headers["content-length"] ?? "0") ?? 0 : 0
        while buffered.count < length {
            guard try readMore() else { throw Failure(description: "closed inside a body") }
        }
        let body = String(decoding: buffered[..<length], as: UTF8.self)
        buffered.removeFirst(length)
        return Response(status: status, headers: headers, body: body, head: head)
    }

    /// The pieces of a chunked body, joined (no chunk extensions or trailers: the server sends none).
    private func readChunkedBody() throws -> String {
        var body: [UInt8] = []
        while true {
            let lineEnd = try readUntil([13, 10])
            guard let size = Int(String(decoding: buffered[..<lineEnd], as: UTF8.self), radix: 16) else {
                throw Failure(description: "bad chunk size line")
            }
            buffered.removeFirst(lineEnd + 2)
            while buffered.count < size + 2 {
                guard try readMore() else { throw Failure(description: "closed inside a chunk") }
            }
            if size == 0 {
                buffered.removeFirst(2)
                return String(decoding: body, as: UTF8.self)
            }
            body += buffered[..<size]
            buffered.removeFirst(size + 2)
        }
    }

    /// Bytes received and not read as a response yet.
    public var unreadByteCount: Int { buffered.count }

    /// True when the server closes the connection (reads EOF) before the read timeout.
    public func isClosedByServer() -> Bool {
        while true {
            do {
                if try !readMore() { return true }
            } catch {
                return false
            }
        }
    }

    private func readUntil(_ needle: [UInt8]) throws -> Int {
        while true {
            if let index = buffered.indices.first(where: { buffered[$0...].starts(with: needle) }) {
                return index
            }
            guard try readMore() else { throw Failure(description: "connection closed; got \(buffered.count) bytes") }
        }
    }

    /// Appends what arrives; false at EOF. Throws on timeout.
    private func readMore() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffered.append(contentsOf: chunk[..<count])
            return true
        }
        if count == 0 { return false }
        if errno == ECONNRESET { return false }
        throw Failure(description: "read timed out or failed: errno \(errno)")
    }
}
