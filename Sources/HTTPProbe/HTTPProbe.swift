import DeadlineSocket

/// A minimal HTTP/1.1 GET with one overall deadline, for health checks from inside a container
/// (slim images have no curl).
public enum HTTPProbe {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The response's status code and body (the body only up to `maxBytes`), from `host` (an address literal
    /// or a name) and `port`.
    public static func get(_ path: String, host: String, port: Int, timeout: Duration, maxBytes: Int = 64 * 1024)
        throws(Failure) -> (status: Int, body: [UInt8])
    {
        let deadline = Deadline(after: timeout)
        let response: [UInt8]
        do {
            var socket = try DeadlineSocket.connect(host: host, port: port, deadline: deadline)
            defer { socket.close() }
            let request =
                "GET \(path) HTTP/1.1\r\nHost: \(authority(host: host, port: port))\r\nConnection: close\r\n\r\n"
            try socket.write(Array(request.utf8), deadline: deadline)
            response = try socket.readToEnd(maxBytes: maxBytes, deadline: deadline)
        } catch {
            throw Failure(description: error.message)
        }
        guard let status = statusCode(of: response) else {
            throw Failure(description: "malformed response from \(host):\(port)")
        }
        let headEnd = response.indices.dropLast(3).first { response[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }
        let bodyStart = headEnd.map { $0 + 4 } ?? response.count
        return (status, Array(response[bodyStart...]))
    }

    /// The status code from `HTTP/1.x NNN ...`.
    static func statusCode(of response: [UInt8]) -> Int? {
        guard response.count >= 12, response.starts(with: Array("HTTP/1.".utf8)), response[8] == 32 else {
            return nil
        }
        let digits = response[9..<12]
        guard digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }
}
