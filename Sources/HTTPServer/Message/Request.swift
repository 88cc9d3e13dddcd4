import TextEscaping

/// A complete, parsed HTTP request. Header names read back lowercased.
///
/// The fields live in one reference-counted box that is copied only when a shared copy is changed: a request
/// is handed along several times on its way (parser, connection, router, handler, access record). A parsed
/// request's box holds the head as it arrived and where each part lies in it: a `String` is made only when
/// a handler asks for one, so a request that no handler reads (a probe) makes none. The parser reuses the box
/// for the connection's next request once nobody holds this one (`RequestParser`).
public struct Request: Sendable {
    var storage: Storage

    public init(
        method: String, target: String, path: String, query: String? = nil, version: HTTPVersion = .http11,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []
    ) {
        storage = Storage()
        storage.method = .text(method)
        storage.target = .text(target)
        storage.path = .text(path)
        storage.query = query.map(Part.text)
        storage.version = version
        storage.givenHeaders = headers
        storage.body = body
    }

    init(storage: Storage) {
        self.storage = storage
    }

    public var method: String {
        get { storage.string(storage.method) }
        set { unique().method = .text(newValue) }
    }

    /// The request target as sent (origin-form or absolute-form).
    public var target: String {
        get { storage.string(storage.target) }
        set { unique().target = .text(newValue) }
    }

    /// The percent-decoded path, always starting with "/" (or "*" for `OPTIONS *`). `%2F` stays encoded, so
    /// every "/" here separates segments.
    public var path: String {
        get { storage.string(storage.path) }
        set { unique().path = .text(newValue) }
    }

    /// The raw query string after "?", without the "?".
    public var query: String? {
        get { storage.query.map(storage.string) }
        set { unique().query = newValue.map(Part.text) }
    }

    public var version: HTTPVersion {
        get { storage.version }
        set { unique().version = newValue }
    }

    /// Made from the head on each read: a handler that looks at several fields reads this once.
    public var headers: HTTPHeaders {
        get { storage.headers }
        set { unique().givenHeaders = newValue }
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
    var requestID: RequestID { storage.requestID }

    /// The client's IP address as the server saw it (a proxy's, behind one). Set by the server.
    public var remoteAddress: String {
        get { storage.remoteAddress }
        set { unique().remoteAddress = newValue }
    }

    /// The box, copied first if another holder shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        return storage
    }

    /// Lends the decoded path's bytes: the router matches them without making a `String`.
    func withPathBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        storage.withBytes(of: storage.path, body)
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
        // Most requests have no Connection field: then nothing is looked at.
        guard storage.hasField(.connection) else { return version == .http11 }
        let options = storage.connectionOptions()
        switch version {
        case .http11: return !options.close
        case .http10: return options.keepAlive && !options.close
        }
    }
}

extension Request {
    /// The fields the server reads itself.
    enum ServerField {
        case connection
        case requestID

        /// Lowercase.
        var name: StaticString {
            switch self {
            case .connection: "connection"
            case .requestID: "x-request-id"
            }
        }
    }

    /// Where one part of the request is: a range of the head as it arrived, or text given or changed later.
    enum Part {
        case bytes(Range<Int>)
        case text(String)
    }

    /// A field line's name and value, as ranges of the head.
    struct FieldRange {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// `@unchecked Sendable`: a box is changed only through `unique()`, or by the server on its event loop
    /// before the request reaches a handler (`RequestParser`, `Connection`), so never while another thread
    /// can see it.
    final class Storage: @unchecked Sendable {
        /// The request line and field lines as received; `bytes` parts and `fields` are ranges of it.
        var head: [UInt8] = []
        var method = Part.text("")
        var target = Part.text("")
        var path = Part.text("")
        var query: Part?
        var version = HTTPVersion.http11
        var fields: [FieldRange] = []
        /// Which of the fields the server reads itself a parsed head has, noted by the parser as the lines go
        /// by: most requests have neither, and then none is searched for.
        var hasConnectionField = false
        var hasRequestIDField = false
        /// The fields, when they were given as a whole (`init`, or the `headers` setter) rather than parsed.
        var givenHeaders: HTTPHeaders?
        var body: [UInt8] = []
        var pathParameters: [String: String] = [:]
        var requestID = RequestID("")
        var remoteAddress = "-"

        init() {}

        convenience init(copying other: Storage) {
            self.init()
            head = other.head
            method = other.method
            target = other.target
            path = other.path
            query = other.query
            version = other.version
            fields = other.fields
            givenHeaders = other.givenHeaders
            hasConnectionField = other.hasConnectionField
            hasRequestIDField = other.hasRequestIDField
            body = other.body
            pathParameters = other.pathParameters
            requestID = other.requestID
            remoteAddress = other.remoteAddress
        }

        /// Empties the box for the connection's next request, keeping the memory of a head up to
        /// `keptHeadBytes` (a larger one's goes, so that an idle connection holds little).
        func reset(keptHeadBytes: Int) {
            // The head is replaced whole by the next one (`HeadParser`), so it is only let go of when large.
            if head.capacity > keptHeadBytes { head = [] }
            fields.removeAll(keepingCapacity: true)
            hasConnectionField = false
            hasRequestIDField = false
            query = nil
            givenHeaders = nil
            body = []
            if !pathParameters.isEmpty { pathParameters = [:] }
            requestID = RequestID("")
            remoteAddress = "-"
        }

        /// Whether the method is HEAD, which a parsed request holds as shared text (it is a common method).
        var isHead: Bool {
            if case .text(let text) = method { return text == "HEAD" }
            return false
        }

        func string(_ part: Part) -> String {
            switch part {
            case .text(let text): text
            case .bytes(let range): String(decoding: head[range], as: UTF8.self)
            }
        }

        func withBytes<Result>(of part: Part, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
            switch part {
            case .text(let text):
                withUTF8Bytes(of: text, body)
            case .bytes(let range):
                head.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
            }
        }

        var headers: HTTPHeaders {
            if let givenHeaders { return givenHeaders }
            var headers = HTTPHeaders()
            head.withUnsafeBufferPointer { head in
                for field in fields {
                    headers.add(
                        CommonStrings.headerName(UnsafeBufferPointer(rebasing: head[field.name])),
                        String(decoding: head[field.value], as: UTF8.self))
                }
            }
            return headers
        }

        func hasField(_ field: ServerField) -> Bool {
            if let givenHeaders { return givenHeaders.contains(field.name.description) }
            return field == .connection ? hasConnectionField : hasRequestIDField
        }

        /// Every value of the fields of this name; allocates only when there is one.
        func fieldValues(_ field: ServerField) -> [String] {
            if let givenHeaders { return givenHeaders.values(for: field.name.description) }
            var values: [String] = []
            var index = 0
            while let found = firstField(named: field.name, from: index) {
                values.append(String(decoding: head[fields[found].value], as: UTF8.self))
                index = found + 1
            }
            return values
        }

        /// Whether the Connection fields hold the `close` and `keep-alive` options (RFC 9112 section 9.6),
        /// found where the head holds them: with `Connection: close`, every request asks this.
        func connectionOptions() -> (close: Bool, keepAlive: Bool) {
            if let givenHeaders {
                let tokens = givenHeaders.values(for: "connection").flatMap(commaSeparatedTokens)
                return (tokens.contains("close"), tokens.contains("keep-alive"))
            }
            var options = (close: false, keepAlive: false)
            head.withUnsafeBufferPointer { head in
                var index = 0
                while let found = firstField(named: ServerField.connection.name, from: index) {
                    forEachCommaSeparatedToken(in: UnsafeBufferPointer(rebasing: head[fields[found].value])) { token in
                        if equalsIgnoringASCIICase(token, lowercase: "close") { options.close = true }
                        if equalsIgnoringASCIICase(token, lowercase: "keep-alive") { options.keepAlive = true }
                    }
                    index = found + 1
                }
            }
            return options
        }

        private func firstField(named name: StaticString, from start: Int) -> Int? {
            name.withUTF8Buffer { name in
                head.withUnsafeBufferPointer { head in
                    (start..<fields.count).first {
                        equalsIgnoringASCIICase(UnsafeBufferPointer(rebasing: head[fields[$0].name]), lowercase: name)
                    }
                }
            }
        }
    }
}

/// Whether `bytes` spell `lowercase` with ASCII letters in either case.
func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, lowercase: StaticString) -> Bool {
    lowercase.withUTF8Buffer { equalsIgnoringASCIICase(bytes, lowercase: $0) }
}

/// Whether `bytes` spell `lowercase` with ASCII letters in either case.
func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, lowercase: UnsafeBufferPointer<UInt8>) -> Bool {
    guard bytes.count == lowercase.count else { return false }
    for index in 0..<bytes.count where asciiLowercased(bytes[index]) != lowercase[index] { return false }
    return true
}
