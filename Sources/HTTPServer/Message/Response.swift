import TextEscaping

/// A response a handler returns. `Date`, `Content-Length`, `Connection` and `X-Request-ID` are the server's:
/// set here, they are left out of what is sent (see `ResponseSerializer.isHandlerField`), as is any field that
/// is not valid HTTP.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// When set, the body is this stream's pieces instead of `body`.
    public var stream: BodyStream?
    /// When set, this is the connection's last response, and this runs on the event loop once the connection
    /// has closed: after the whole response was written, or when the client left first. For an action that
    /// must not cut off its own answer, such as ending the process.
    public var afterClose: (@Sendable () -> Void)?

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is written as `stream` produces it.
    public static func streamed(
        _ status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body stream: BodyStream
    )
        -> Response
    {
        var response = Response(status: status, headers: headers)
        response.stream = stream
        return response
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
