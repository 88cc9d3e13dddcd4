import Foundation
import Glibc
import Testing
import TextEscaping

@testable import HTTPServer

@Suite struct ResponseSerializerTests {
    private func text(_ response: Response, version: HTTPVersion = .http11, keepAlive: Bool = true, head: Bool = false)
        -> String
    {
        let bytes = ResponseSerializer.serialize(
            response, date: "Thu, 26 Nov 2026 18:00:00 GMT", requestID: "r-1", version: version, keepAlive: keepAlive,
            isHead: head)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func writesStatusDateLengthRequestIDHeadersAndBody() {
        let response = Response.json(.ok, "{}")
        #expect(
            text(response)
                == "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 18:00:00 GMT\r\nContent-Length: 2\r\n"
                + "X-Request-ID: r-1\r\nX-Content-Type-Options: nosniff\r\nContent-Type: application/json\r\n\r\n{}")
    }

    @Test func writesLengthsOfEveryMagnitude() {
        for length in [0, 1, 9, 10, 99, 100, 12345] {
            let output = text(Response(body: Array(repeating: UInt8(ascii: "x"), count: length)))
            #expect(output.contains("\r\nContent-Length: \(length)\r\n"))
        }
    }

    @Test func marksClosingAndHTTP10KeepAlive() {
        #expect(text(Response(), keepAlive: false).contains("\r\nConnection: close\r\n"))
        #expect(text(Response(), version: .http10).contains("\r\nConnection: keep-alive\r\n"))
        #expect(!text(Response()).contains("Connection:"))
    }

    @Test func headKeepsLengthButDropsBody() {
        let output = text(Response(body: Array("hello".utf8)), head: true)
        #expect(output.contains("Content-Length: 5\r\n"))
        #expect(output.hasSuffix("\r\n\r\n"))
    }

    @Test func noContentHasNoLengthOrBody() {
        let output = text(Response(status: .noContent, body: Array("x".utf8)))
        #expect(!output.contains("Content-Length"))
        #expect(output.hasSuffix("\r\n\r\n"))
    }

    /// A client reads a 205's body as `Content-Length` says: zero, whatever the handler put in it.
    @Test func resetContentIsFramedAsEmpty() {
        let output = text(Response(status: HTTPStatus(code: 205), body: Array("{\"status\": 205}".utf8)))
        #expect(output.contains("\r\nContent-Length: 0\r\n"))
        #expect(output.hasSuffix("\r\n\r\n"))
    }

    @Test func everyAnswerForbidsContentSniffing() {
        for status in [HTTPStatus.ok, .noContent, .notFound, .serviceUnavailable] {
            #expect(text(Response(status: status)).contains("\r\nX-Content-Type-Options: nosniff\r\n"))
        }
    }

    @Test func formatsIMFFixdate() {
        var parts = tm()
        parts.tm_year = 126
        parts.tm_mon = 0
        parts.tm_mday = 5
        parts.tm_wday = 1
        parts.tm_hour = 7
        parts.tm_min = 3
        parts.tm_sec = 9
        #expect(HTTPDateCache.format(parts) == "Mon, 05 Jan 2026 07:03:09 GMT")
    }

    @Test func quotesJSONStrings() {
        #expect(jsonQuoted("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
    }
}

@Suite struct HandlerHeaderTests {
    private func text(_ headers: [(String, String)], keepAlive: Bool = true) -> String {
        let response = Response(headers: HTTPHeaders(headers), body: Array("hi".utf8))
        let bytes = ResponseSerializer.serialize(
            response, date: "Thu, 26 Nov 2026 18:00:00 GMT", requestID: "r-1", version: .http11,
            keepAlive: keepAlive, isHead: false)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Two Content-Length fields that disagree make a response that caches and proxies read differently.
    @Test func theServersFramingAndIdentityWin() {
        let output = text(
            [
                ("Content-Length", "999"), ("connection", "keep-alive"), ("Transfer-Encoding", "chunked"),
                ("Date", "yesterday"), ("X-Request-ID", "forged"), ("Keep-Alive", "timeout=99"),
                ("X-Content-Type-Options", "sniff-away"), ("X-Kept", "yes"),
            ], keepAlive: false)
        #expect(
            output
                == "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 18:00:00 GMT\r\nContent-Length: 2\r\n"
                + "X-Request-ID: r-1\r\nX-Content-Type-Options: nosniff\r\nX-Kept: yes\r\nConnection: close\r\n\r\nhi")
    }

    @Test(arguments: [
        ("Location", "/a\r\nSet-Cookie: session=stolen"), ("Bad Name", "x"), ("", "x"), ("X-Null", "a\0b"),
        ("X-LF", "a\nb"),
    ])
    func aFieldThatIsNotValidHTTPIsLeftOut(_ name: String, _ value: String) {
        let output = text([(name, value), ("X-Kept", "yes")])
        #expect(!output.contains("stolen"))
        // Status, Date, Content-Length, X-Request-ID, X-Content-Type-Options, X-Kept, the blank line, the body.
        #expect(output.components(separatedBy: "\r\n").count == 8)
        #expect(output.contains("\r\nX-Kept: yes\r\n"))
    }
}
