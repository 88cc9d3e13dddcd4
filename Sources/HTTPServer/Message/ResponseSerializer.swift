/// Turns a response into the bytes of one write: status line, headers and body together,
/// so a small response never waits on delayed ACKs between two segments.
enum ResponseSerializer {
    static func serialize(
        _ response: Response, date: String, version: HTTPVersion, keepAlive: Bool, isHead: Bool
    ) -> [UInt8] {
        let status = response.status
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\nDate: \(date)\r\n"
        if status.allowsBody {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        for field in response.headers {
            head += "\(field.name): \(field.value)\r\n"
        }
        if !keepAlive {
            head += "Connection: close\r\n"
        } else if version == .http10 {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if status.allowsBody && !isHead {
            bytes.append(contentsOf: response.body)
        }
        return bytes
    }

    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}
