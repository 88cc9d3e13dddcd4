/// A response a handler returns. `Date`, `Content-Length` and `Connection` are added by the server.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is already-encoded JSON text.
    public static func json(_ status: HTTPStatus = .ok, _ text: String, headers: HTTPHeaders = HTTPHeaders())
        -> Response
    {
        var headers = headers
        headers.set("Content-Type", "application/json")
        return Response(status: status, headers: headers, body: Array(text.utf8))
    }

    /// The server's error shape: `{"error": "..."}`.
    public static func error(_ status: HTTPStatus, _ message: String, headers: HTTPHeaders = HTTPHeaders())
        -> Response
    {
        json(status, "{\"error\": \(jsonQuoted(message))}", headers: headers)
    }
}

/// Quotes `text` as a JSON string literal (RFC 8259 section 7).
public func jsonQuoted(_ text: String) -> String {
    var output = "\""
    output.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: output.unicodeScalars.append(scalar)
        }
    }
    return output + "\""
}
