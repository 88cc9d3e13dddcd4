import TextEscaping

/// A complete, parsed HTTP request. Header names are stored lowercased.
public struct Request: Sendable {
    public var method: String
    /// The request target as sent (origin-form or absolute-form).
    public var target: String
    /// The percent-decoded path, always starting with "/" (or "*" for `OPTIONS *`). `%2F` stays encoded, so
    /// every "/" here separates segments.
    public var path: String
    /// The raw query string after "?", without the "?".
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Values captured by `{name}` segments of the matched route pattern.
    public var pathParameters: [String: String] = [:]
    /// Set by the server before the handler runs: the client's `X-Request-ID` when it is valid, otherwise a new
    /// one. Echoed in the response; put it in every log line about this request.
    public var id = ""
    /// The client's IP address as the server saw it (a proxy's, behind one). Set by the server.
    public var remoteAddress = "-"

    public init(
        method: String, target: String, path: String, query: String? = nil, version: HTTPVersion = .http11,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
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
        let tokens = headers.values(for: "connection").flatMap(commaSeparatedTokens)
        switch version {
        case .http11: return !tokens.contains("close")
        case .http10: return tokens.contains("keep-alive") && !tokens.contains("close")
        }
    }
}
