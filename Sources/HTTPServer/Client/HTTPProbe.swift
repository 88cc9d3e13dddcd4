import Glibc

/// A minimal HTTP/1.1 GET with one overall deadline, for health checks from inside a container
/// (slim images have no curl).
public enum HTTPProbe {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The response's status code and body (the body only up to `maxBytes`).
    public static func get(_ path: String, from address: SocketAddress, timeout: Duration, maxBytes: Int = 64 * 1024)
        throws(Failure) -> (status: Int, body: [UInt8])
    {
        let deadline = MonotonicClock.now() + timeout.nanoseconds
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: SystemCallError("socket").description) }
        defer { close(fd) }
        let started = address.withSockaddr { connect(fd, $0, $1) }
        if started != 0 && errno != EINPROGRESS {
            throw Failure(description: SystemCallError("connect to \(address)").description)
        }
        try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "connecting to \(address)")
        var socketError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
        if socketError != 0 {
            throw Failure(description: SystemCallError("connect to \(address)", code: socketError).description)
        }
        let host = address.description
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        try sendAll(request, to: fd, until: deadline)
        let response = try receive(from: fd, until: deadline, maxBytes: maxBytes)
        guard let status = statusCode(of: response) else {
            throw Failure(description: "malformed response from \(address)")
        }
        let headEnd = response.withUnsafeBufferPointer { firstOffset(of: [13, 10, 13, 10], in: $0) }
        let bodyStart = headEnd.map { $0 + 4 } ?? response.count
        return (status, Array(response[bodyStart...]))
    }

    private static func sendAll(_ bytes: [UInt8], to fd: Int32, until deadline: UInt64) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && errno == EAGAIN {
                try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "sending the request")
            } else if !(sent < 0 && errno == EINTR) {
                throw Failure(description: SystemCallError("send").description)
            }
        }
    }

    /// Reads until the server closes, the buffer holds `maxBytes`, or the deadline passes.
    private static func receive(from fd: Int32, until deadline: UInt64, maxBytes: Int) throws(Failure) -> [UInt8] {
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while response.count < maxBytes {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                response.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                break
            } else if errno == EAGAIN {
                try wait(fd, for: Int16(POLLIN), until: deadline, doing: "waiting for the response")
            } else if errno != EINTR {
                throw Failure(description: SystemCallError("recv").description)
            }
        }
        return response
    }

    private static func wait(_ fd: Int32, for events: Int16, until deadline: UInt64, doing what: String)
        throws(Failure)
    {
        while true {
            let now = MonotonicClock.now()
            guard now < deadline else { throw Failure(description: "timed out \(what)") }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = Int32(min((deadline - now) / 1_000_000 + 1, UInt64(Int32.max)))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw Failure(description: SystemCallError("poll").description) }
        }
    }

    /// The status code from `HTTP/1.x NNN ...`.
    static func statusCode(of response: [UInt8]) -> Int? {
        guard response.count >= 12, response.starts(with: Array("HTTP/1.".utf8)), response[8] == 32 else {
            return nil
        }
        let digits = response[9..<12]
        guard digits.allSatisfy(ByteClass.isDigit) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }
}
