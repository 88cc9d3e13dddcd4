import TextEscaping

/// A response a handler returns. `Date`, `Content-Length`, `Connection` and `X-Request-ID` are the server's:
/// set here, they are left out of what is sent (see `ResponseSerializer.isHandlerField`), as is any field that
/// is not valid HTTP.
///
/// Its fields live in one reference-counted box, copied only when a shared copy is changed, as a request's
/// do: a response is handed along several times (handler, server, serializer, access record), and each
/// copy of five fields cost more than the work it carried. The box is also what `PreparedResponses`
/// recognises a response by.
public struct Response: Sendable {
    var storage: Storage

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        storage = Storage(status: status, headers: headers, body: body)
    }

    public var status: HTTPStatus {
        get { storage.status }
        set { unique().status = newValue }
    }

    public var headers: HTTPHeaders {
        get { storage.headers }
        set { unique().headers = newValue }
    }

    public var body: [UInt8] {
        get { storage.body }
        set { unique().body = newValue }
    }

    /// When set, the body is this stream's pieces instead of `body`.
    public var stream: BodyStream? {
        get { storage.stream }
        set { unique().stream = newValue }
    }

    /// When set, this is the connection's last response, and this runs on the event loop once the connection
    /// has closed: after the whole response was written, or when the client left first. For an action that
    /// must not cut off its own answer, such as ending the process.
    public var afterClose: (@Sendable () -> Void)? {
        get { storage.afterClose }
        set { unique().afterClose = newValue }
    }

    /// The box, copied first if another holder shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        return storage
    }

    /// `@unchecked Sendable`: a box is only changed through `unique()`, so never while another holder, on
    /// another thread, can see it.
    final class Storage: @unchecked Sendable {
        var status: HTTPStatus
        var headers: HTTPHeaders
        var body: [UInt8]
        var stream: BodyStream?
        var afterClose: (@Sendable () -> Void)?

        init(status: HTTPStatus, headers: HTTPHeaders, body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        convenience init(copying other: Storage) {
            self.init(status: other.status, headers: other.headers, body: other.body)
            stream = other.stream
            afterClose = other.afterClose
        }
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
