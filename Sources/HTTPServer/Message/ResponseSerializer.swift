import TextEscaping

/// Turns a response into the bytes of one write: status line, headers and body together,
/// so a small response never waits on delayed ACKs between two segments.
enum ResponseSerializer {
    static func serialize(
        _ response: Response, date: String, requestID: String, version: HTTPVersion, keepAlive: Bool, isHead: Bool
    ) -> [UInt8] {
        serialize(
            response, date: date, requestID: RequestID(requestID), version: version, keepAlive: keepAlive,
            isHead: isHead)
    }

    static func serialize(
        _ response: Response, date: String, requestID: RequestID, version: HTTPVersion, keepAlive: Bool, isHead: Bool
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        serialize(
            response, date: date, requestID: requestID, version: version, keepAlive: keepAlive, isHead: isHead,
            into: &bytes)
        return bytes
    }

    /// Appends the response to `bytes`: a connection's output buffer, reused from one response to the next.
    static func serialize(
        _ response: Response, date: String, requestID: RequestID, version: HTTPVersion, keepAlive: Bool, isHead: Bool,
        into bytes: inout [UInt8]
    ) {
        let status = response.status
        let sendsBody = status.allowsBody && !status.isReset && !isHead
        bytes.reserveCapacity(bytes.count + 200 + (sendsBody ? response.body.count : 0))
        appendUTF8("HTTP/1.1 ", to: &bytes)
        appendDecimal(status.code, to: &bytes)
        bytes.append(space)
        appendUTF8(status.reason, to: &bytes)
        appendUTF8("\r\nDate: ", to: &bytes)
        appendUTF8(date, to: &bytes)
        if status.allowsBody && (response.stream == nil || status.isReset) {
            appendUTF8("\r\nContent-Length: ", to: &bytes)
            appendDecimal(status.isReset ? 0 : response.body.count, to: &bytes)
        } else if status.allowsBody && version == .http11 {
            // To HTTP/1.0, a stream ends where the connection does (the caller does not keep it alive).
            appendUTF8("\r\nTransfer-Encoding: chunked", to: &bytes)
        }
        appendUTF8("\r\nX-Request-ID: ", to: &bytes)
        requestID.withBytes { bytes.append(contentsOf: $0) }
        // Every body is what its Content-Type says: a browser must not guess HTML into a reflected header or a
        // note's text.
        appendUTF8("\r\nX-Content-Type-Options: nosniff", to: &bytes)
        for field in response.headers where isHandlerField(field) {
            bytes.append(contentsOf: crlf)
            appendUTF8(field.name, to: &bytes)
            appendUTF8(": ", to: &bytes)
            appendUTF8(field.value, to: &bytes)
        }
        if !keepAlive {
            appendUTF8("\r\nConnection: close", to: &bytes)
        } else if version == .http10 {
            appendUTF8("\r\nConnection: keep-alive", to: &bytes)
        }
        appendUTF8("\r\n\r\n", to: &bytes)
        if sendsBody {
            bytes.append(contentsOf: response.body)
        }
    }

    /// Framing and identity are the server's: a handler's `Content-Length`, `Transfer-Encoding`, `Connection`,
    /// `Keep-Alive`, `Date`, `X-Request-ID` or `X-Content-Type-Options` would contradict or repeat what the
    /// server writes, so the server's win and the handler's are left out. So is a field that is not valid HTTP
    /// (a value holding CR or LF would let whoever chose it start a header, or a whole response, of their own).
    static func isHandlerField(_ field: HTTPHeaders.Field) -> Bool {
        // Checked over the bytes in place (every field of every response comes through here), and the
        // server's names compared only when the lengths match.
        let name = field.name
        guard withUTF8Bytes(of: name, { !$0.isEmpty && $0.allSatisfy(ByteClass.isToken) }),
            withUTF8Bytes(of: field.value, { $0.allSatisfy(ByteClass.isFieldValue) })
        else { return false }
        switch name.utf8.count {
        case 4: return !asciiCaseInsensitiveEquals(name, "date")
        case 10:
            return !asciiCaseInsensitiveEquals(name, "connection") && !asciiCaseInsensitiveEquals(name, "keep-alive")
        case 12: return !asciiCaseInsensitiveEquals(name, "x-request-id")
        case 14: return !asciiCaseInsensitiveEquals(name, "content-length")
        case 17: return !asciiCaseInsensitiveEquals(name, "transfer-encoding")
        case 22: return !asciiCaseInsensitiveEquals(name, "x-content-type-options")
        default: return true
        }
    }

    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static let space = UInt8(ascii: " ")
    private static let crlf: [UInt8] = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
}
