import TextEscaping

/// A complete, parsed HTTP request. Header names are stored lowercased.
///
/// The fields live in one reference-counted box that is copied only when a shared copy is changed: a request
/// is handed along several times on its way (parser, connection, router, handler, access record), and copying
/// ten fields, each with its own reference count, every time cost more than parsing it.
public struct Request: Sendable {
    private var storage: Storage

    public init(
        method: String, target: String, path: String, query: String? = nil, version: HTTPVersion = .http11,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []
    ) {
        storage = Storage(
            method: method, target: target, path: path, query: query, version: version, headers: headers, body: body)
    }

    public var method: String {
        get { storage.method }
        set { unique().method = newValue }
    }

    /// The request target as sent (origin-form or absolute-form).
    public var target: String {
        get { storage.target }
        set { unique().target = newValue }
    }

    /// The percent-decoded path, always starting with "/" (or "*" for `OPTIONS *`). `%2F` stays encoded, so
    /// every "/" here separates segments.
    public var path: String {
        get { storage.path }
        set { unique().path = newValue }
    }

    /// The raw query string after "?", without the "?".
    public var query: String? {
        get { storage.query }
        set { unique().query = newValue }
    }

    public var version: HTTPVersion {
        get { storage.version }
        set { unique().version = newValue }
    }

    public var headers: HTTPHeaders {
        get { storage.headers }
        set { unique().headers = newValue }
    }

    public var body: [UInt8] {
        get { storage.body }
        set { unique().body = newValue }
    }

    /// Values captured by `{name}` segments of the matched route pattern.
    public var pathParameters: [String: String] {
        get { storage.pathParameters }
        set { unique().pathParameters = newValue }
    }

    /// Set by the server before the handler runs: the client's `X-Request-ID` when it is valid, otherwise a new
    /// one. Echoed in the response; put it in every log line about this request.
    public var id: String {
        get { storage.requestID.text }
        set { unique().requestID = RequestID(newValue) }
    }

    /// The id as the server holds it: written into the response without ever becoming a `String` unless
    /// someone reads `id`.
    var requestID: RequestID {
        get { storage.requestID }
        set { unique().requestID = newValue }
    }

    /// The client's IP address as the server saw it (a proxy's, behind one). Set by the server.
    public var remoteAddress: String {
        get { storage.remoteAddress }
        set { unique().remoteAddress = newValue }
    }

    /// The box, copied first if another request shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        return storage
    }

    /// `@unchecked Sendable`: a box is only changed through `unique()`, so never while another request, on
    /// another thread, can see it.
    private final class Storage: @unchecked Sendable {
        var method: String
        var target: String
        var path: String
        var query: String?
        var version: HTTPVersion
        var headers: HTTPHeaders
        var body: [UInt8]
        var pathParameters: [String: String] = [:]
        var requestID = RequestID("")
        var remoteAddress = "-"

        init(
            method: String, target: String, path: String, query: String?, version: HTTPVersion, headers: HTTPHeaders,
            body: [UInt8]
        ) {
            self.method = method
            self.target = target
            self.path = path
            self.query = query
            self.version = version
            self.headers = headers
            self.body = body
        }

        convenience init(copying other: Storage) {
            self.init(
                method: other.method, target: other.target, path: other.path, query: other.query,
                version: other.version, headers: other.headers, body: other.body)
            pathParameters = other.pathParameters
            requestID = other.requestID
            remoteAddress = other.remoteAddress
        }
    }

    /// The decoded query parameters, in order; `+` means a space, as in HTML forms.
    public var queryItems: [(name: String, value: String)] {
        guard let query else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                percentDecoded(Array(text.utf8), plusIsSpace: true).map { String(decoding: $0, as: UTF8.self) }
            }
            guard let name = decode(parts[0]) else { return nil }
            let value = parts.count > 1 ? decode(parts[1]) : ""
            return value.map { (name: name, value: $0) }
        }
    }

    /// The first value of the query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Whether the client wants the connection kept open after this request (RFC 9112 section 9.3).
    public var wantsKeepAlive: Bool {
        // Most requests have no Connection field: then nothing is split or allocated.
        guard headers.contains("connection") else { return version == .http11 }
        let tokens = headers.values(for: "connection").flatMap(commaSeparatedTokens)
        switch version {
        case .http11: return !tokens.contains("close")
        case .http10: return tokens.contains("keep-alive") && !tokens.contains("close")
        }
    }
}
