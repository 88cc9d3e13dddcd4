import TextEscaping

/// Turns a response into the bytes of one write: status line, headers and body together,
/// so a small response never waits on delayed ACKs between two segments.
enum ResponseSerializer {
    static func serialize(
        _ response: Response, date: String, requestID: String, version: HTTPVersion, keepAlive: Bool, isHead: Bool
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        serialize(
            response, date: date, requestID: requestID, version: version, keepAlive: keepAlive, isHead: isHead,
            into: &bytes)
        return bytes
    }

    /// Appends the response to `bytes`: a connection's output buffer, reused from one response to the next.
    static func serialize(
        _ response: Response, date: String, requestID: String, version: HTTPVersion, keepAlive: Bool, isHead: Bool,
        into bytes: inout [UInt8]
    ) {
        let status = response.status
        let sendsBody = status.allowsBody && !isHead
        bytes.reserveCapacity(bytes.count + 160 + (sendsBody ? response.body.count : 0))
        bytes.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &bytes)
        bytes.append(space)
        bytes.append(contentsOf: status.reason.utf8)
        bytes.append(contentsOf: "\r\nDate: ".utf8)
        bytes.append(contentsOf: date.utf8)
        if status.allowsBody {
            bytes.append(contentsOf: "\r\nContent-Length: ".utf8)
            appendDecimal(response.body.count, to: &bytes)
        }
        bytes.append(contentsOf: "\r\nX-Request-ID: ".utf8)
        bytes.append(contentsOf: requestID.utf8)
        for field in response.headers where isHandlerField(field) {
            bytes.append(contentsOf: crlf)
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: field.value.utf8)
        }
        if !keepAlive {
            bytes.append(contentsOf: "\r\nConnection: close".utf8)
        } else if version == .http10 {
            bytes.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        bytes.append(contentsOf: "\r\n\r\n".utf8)
        if sendsBody {
            bytes.append(contentsOf: response.body)
        }
    }

    /// Framing and identity are the server's: a handler's `Content-Length`, `Transfer-Encoding`, `Connection`,
    /// `Keep-Alive`, `Date` or `X-Request-ID` would contradict what the server writes, so the server's win and
    /// the handler's are left out. So is a field that is not valid HTTP (a value holding CR or LF would let
    /// whoever chose it start a header, or a whole response, of their own).
    static func isHandlerField(_ field: HTTPHeaders.Field) -> Bool {
        // Checked over the bytes in place (every field of every response comes through here), and the
        // names compared only when their lengths match.
        var name = field.name
        var value = field.value
        guard name.withUTF8({ !$0.isEmpty && $0.allSatisfy(ByteClass.isToken) }),
            value.withUTF8({ $0.allSatisfy(ByteClass.isFieldValue) })
        else { return false }
        return !serverFields.contains { asciiCaseInsensitiveEquals(name, $0) }
    }

    private static let serverFields = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "date", "x-request-id",
    ]

    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static let space = UInt8(ascii: " ")
    private static let crlf: [UInt8] = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
}
