import Testing

@testable import HTTPServer

/// Feeds `text` to a fresh parser, all at once or in pieces, and collects what it produces.
private func parse(_ text: String, limits: HTTPLimits = HTTPLimits(), pieceSize: Int? = nil) throws(HTTPParseError)
    -> [Request]
{
    var parser = RequestParser(limits: limits)
    var input = InputBuffer()
    var requests: [Request] = []
    let bytes = Array(text.utf8)
    let step = pieceSize ?? max(bytes.count, 1)
    var offset = 0
    while offset < bytes.count {
        input.append(Array(bytes[offset..<min(offset + step, bytes.count)]))
        offset += step
        while case .request(let request) = try parser.parse(&input) {
            requests.append(request)
        }
    }
    return requests
}

private func parseError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
    do {
        _ = try parse(text, limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite struct RequestParserTests {
    @Test func parsesSimpleGet() throws {
        let requests = try parse("GET /health HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n")
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/health")
        #expect(request.query == nil)
        #expect(request.version == .http11)
        #expect(request.headers["accept"] == "*/*")
        #expect(request.body.isEmpty)
    }

    @Test func headerNamesAreCaseInsensitive() throws {
        let request = try #require(
            try parse("GET / HTTP/1.1\r\nHOST: a\r\nX-Custom-Thing:  spaced value \t\r\n\r\n").first)
        #expect(request.headers["host"] == "a")
        #expect(request.headers["x-custom-thing"] == "spaced value")
        #expect(request.headers["X-CUSTOM-THING"] == "spaced value")
    }

    @Test func parsesRequestsDeliveredOneByteAtATime() throws {
        let text = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        let request = try #require(try parse(text, pieceSize: 1).first)
        #expect(request.body == Array("hello".utf8))
    }

    @Test func parsesPipelinedRequestsInOrder() throws {
        let text =
            "GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\nGET /three HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(try parse(text).map(\.path) == ["/one", "/two", "/three"])
    }

    @Test func ignoresEmptyLinesBeforeTheRequestLine() throws {
        #expect(try parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").count == 1)
    }

    /// Found by the fuzzer: a CRLF after a body, split across reads, was taken for an empty request line.
    @Test func ignoresEmptyLinesSplitAcrossReads() throws {
        let text = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nz\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n"
        for pieceSize in 1...5 {
            #expect(try parse(text, pieceSize: pieceSize).map(\.path) == ["/a", "/b"])
        }
    }

    @Test func decodesPercentEscapesInPathAndSplitsQuery() throws {
        let request = try #require(try parse("GET /a%20b/c?x=1&name=J%C3%BCrgen+M HTTP/1.1\r\nHost: a\r\n\r\n").first)
        #expect(request.path == "/a b/c")
        #expect(request.query == "x=1&name=J%C3%BCrgen+M")
        #expect(request.queryValue("name") == "Jürgen M")
        #expect(request.queryValue("x") == "1")
        #expect(request.queryValue("missing") == nil)
    }

    @Test func acceptsAbsoluteFormTargets() throws {
        let request = try #require(
            try parse("GET http://example.com:8000/health?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").first)
        #expect(request.path == "/health")
        #expect(request.query == "x=1")
        let bare = try #require(try parse("GET HTTP://example.com HTTP/1.1\r\nHost: a\r\n\r\n").first)
        #expect(bare.path == "/")
    }

    @Test func acceptsAsteriskFormOnlyForOptions() throws {
        #expect(try parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").first?.path == "*")
        #expect(parseError("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == .invalidTarget)
    }

    @Test func readsContentLengthBody() throws {
        let request = try #require(try parse("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").first)
        #expect(request.body == Array("abc".utf8))
    }

    @Test func waitsForTheWholeBody() throws {
        #expect(try parse("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc").isEmpty)
    }

    @Test func acceptsRepeatedIdenticalContentLengths() throws {
        let text = "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok"
        #expect(try parse(text).first?.body == Array("ok".utf8))
    }

    @Test func decodesChunkedBodyWithExtensionsAndTrailers() throws {
        let text =
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n"
        for pieceSize in [1, 3, 1000] {
            let request = try #require(try parse(text, pieceSize: pieceSize).first)
            #expect(request.body == Array("hello world".utf8))
        }
    }

    @Test func chunkedCodingNamesAreCaseInsensitive() throws {
        let text = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
        #expect(try parse(text).first?.body == [UInt8(ascii: "z")])
    }

    @Test func flagsExpectContinueUntilTheBodyArrives() throws {
        var parser = RequestParser(limits: HTTPLimits())
        var input = InputBuffer()
        input.append(Array("POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        guard case .needMore = try parser.parse(&input) else {
            Issue.record("expected to wait for the body")
            return
        }
        #expect(parser.awaitsContinuedBody)
        input.append(Array("hi".utf8))
        guard case .request(let request) = try parser.parse(&input) else {
            Issue.record("expected a request")
            return
        }
        #expect(request.body == Array("hi".utf8))
        #expect(!parser.awaitsContinuedBody)
    }

    @Test func keepAliveDefaultsFollowTheVersion() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").first?.wantsKeepAlive == true)
        #expect(try parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").first?.wantsKeepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\n\r\n").first?.wantsKeepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").first?.wantsKeepAlive == true)
    }

    @Test func http10NeedsNoHost() throws {
        #expect(try parse("GET / HTTP/1.0\r\n\r\n").count == 1)
    }

    @Test(arguments: [
        ("GET /\r\nHost: a\r\n\r\n", HTTPParseError.malformedRequestLine),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod),
        ("GET /a\u{1}b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET nothing HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion),
        ("GET / HTTPS/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine),
        ("GET / HTTP/1.1\nHost: a\n\n", .bareLineFeed),
        ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", .bareLineFeed),
        ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .invalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", .malformedHeader),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-Bad: a\u{0}b\r\n\r\n", .invalidHeaderValue),
        ("GET / HTTP/1.1\r\n\r\n", .missingHost),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .multipleHosts),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", .invalidContentLength),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            .contentLengthWithTransferEncoding
        ),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingOnHTTP10),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .invalidTransferEncoding),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            .invalidTransferEncoding
        ),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunk),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", .invalidChunk),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", .invalidChunk),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 junk\r\n", .invalidChunk),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3  \r\nabc\r\n", .invalidChunk),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\t\r\nabc\r\n", .invalidChunk),
        ("GET / HTTP/1.1\r\nHost: a b@c\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: user@host\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: host:80x\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: h/path\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: []:80\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: [::1/8]\r\n\r\n", .invalidHost),
        ("GET / HTTP/1.1\r\nHost: h:80:90\r\n\r\n", .invalidHost),
        ("POST / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\n\r\n", .unsupportedExpectation),
    ])
    func rejectsMalformedRequests(_ text: String, _ expected: HTTPParseError) {
        #expect(parseError(text) == expected)
    }

    @Test func rejectsANonTokenMethodBeforeTheLineEnds() {
        // The start of a TLS ClientHello: no CRLF will ever come.
        #expect(parseError("\u{16}\u{3}\u{1}\u{2}\u{0}") == .invalidMethod)
        #expect(parseError("GE") == nil)
    }

    @Test func eachErrorMapsToItsStatus() {
        #expect(HTTPParseError.malformedRequestLine.status.code == 400)
        #expect(HTTPParseError.unsupportedTransferEncoding.status.code == 501)
        #expect(HTTPParseError.targetTooLong.status.code == 414)
        #expect(HTTPParseError.headersTooLarge.status.code == 431)
        #expect(HTTPParseError.tooManyHeaders.status.code == 431)
        #expect(HTTPParseError.bodyTooLarge.status.code == 413)
        #expect(HTTPParseError.unsupportedVersion.status.code == 505)
        #expect(HTTPParseError.unsupportedExpectation.status.code == 417)
    }

    @Test func rejectsOversizedHeadSections() {
        var limits = HTTPLimits()
        limits.maxHeaderBytes = 256
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "a", count: 300))\r\n\r\n"
        #expect(parseError(big, limits: limits) == .headersTooLarge)
        let unterminated = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "a", count: 300))"
        #expect(parseError(unterminated, limits: limits) == .headersTooLarge)
    }

    @Test func rejectsLongTargetsWith414() {
        var limits = HTTPLimits()
        limits.maxTargetBytes = 100
        let long = "GET /\(String(repeating: "a", count: 200)) HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parseError(long, limits: limits) == .targetTooLong)
        let unterminated = "GET /\(String(repeating: "a", count: 200))"
        #expect(parseError(unterminated, limits: limits) == .targetTooLong)
    }

    @Test func rejectsTooManyHeaders() {
        var limits = HTTPLimits()
        limits.maxHeaderCount = 5
        let fields = (0..<6).map { "X-\($0): v\r\n" }.joined()
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n", limits: limits) == .tooManyHeaders)
    }

    @Test func rejectsBodiesOverTheLimit() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 10
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: limits) == .bodyTooLarge)
        let chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"
        #expect(parseError(chunked, limits: limits) == .bodyTooLarge)
    }

    /// One request used to send 2 GiB of extensions around a 16-byte body: each line was limited, not their sum.
    @Test func limitsChunkExtensionsInTotal() {
        var limits = HTTPLimits()
        limits.maxChunkExtensionBytes = 1000
        let extensionLine = "1;" + String(repeating: "e", count: 300) + "\r\nx\r\n"
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(parseError(head + String(repeating: extensionLine, count: 3) + "0\r\n\r\n", limits: limits) == nil)
        #expect(
            parseError(head + String(repeating: extensionLine, count: 4), limits: limits) == .chunkExtensionsTooLarge)
        #expect(HTTPParseError.chunkExtensionsTooLarge.status.code == 400)
    }

    @Test func acceptsWhitespaceBeforeAChunkExtension() throws {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 ;x=1\r\nabc\r\n0\r\n\r\n"
        #expect(try parse(text).first?.body == Array("abc".utf8))
    }

    @Test(arguments: ["", "example.com", "example.com:8080", "127.0.0.1:80", "[::1]:8000", "[fe80::1%25eth0]", "a_b.c"])
    func acceptsValidHosts(_ host: String) throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n").count == 1)
    }

    /// RFC 9110 section 15.2: never a 1xx to an HTTP/1.0 client; its expectation is ignored.
    @Test func ignores100ContinueFromHTTP10Clients() throws {
        var parser = RequestParser(limits: HTTPLimits())
        var input = InputBuffer()
        input.append(Array("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        _ = try parser.parse(&input)
        #expect(!parser.awaitsContinuedBody)
        var parser11 = RequestParser(limits: HTTPLimits())
        var input11 = InputBuffer()
        input11.append(Array("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        _ = try parser11.parse(&input11)
        #expect(parser11.awaitsContinuedBody)
    }

    /// RFC 9112 section 3.2.2: an absolute-form target with an empty path means "/", query or not.
    @Test func absoluteFormWithAnEmptyPathAndAQueryMeansTheRoot() throws {
        let request = try #require(try parse("GET http://host?x=1 HTTP/1.1\r\nHost: host\r\n\r\n").first)
        #expect(request.path == "/")
        #expect(request.query == "x=1")
    }

    /// A decoded slash must not split a segment: `/api%2Fnotes` is not `/api/notes`.
    @Test func keepsAnEncodedSlashEncoded() throws {
        let request = try #require(try parse("GET /api%2Fnotes/a%2fb%20c HTTP/1.1\r\nHost: h\r\n\r\n").first)
        #expect(request.path == "/api%2Fnotes/a%2Fb c")
        var router = Router()
        router.get("/api/notes") { _ in Response(status: .ok) }
        guard case .notFound = router.match(method: "GET", path: request.path) else {
            Issue.record("an encoded slash was routed as a separator")
            return
        }
    }
}

extension InputBuffer {
    /// Bytes as they would arrive from a read.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }
}
