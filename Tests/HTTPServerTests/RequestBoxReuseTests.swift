import Locking
import TestSupport
import Testing

@testable import HTTPServer

/// The parser reuses a request's box for the connection's next request once nobody holds it. A request
/// somebody kept must never change under them.
@Suite struct RequestBoxReuseTests {
    private static let pipelined =
        "GET /a?x=1 HTTP/1.1\r\nHost: a\r\nX-Tag: first\r\n\r\n"
        + "POST /b HTTP/1.1\r\nHost: b\r\nX-Tag: second\r\nContent-Length: 2\r\n\r\nhi"
        + "GET /c HTTP/1.1\r\nHost: c\r\n\r\n"

    @Test func aRequestStillHeldKeepsItsBoxAndItsParts() throws {
        var parser = RequestParser(limits: HTTPLimits())
        var input = InputBuffer()
        input.append(Array(Self.pipelined.utf8))
        guard case .request(let first) = try parser.parse(&input) else {
            Issue.record("no first request")
            return
        }
        guard case .request(let second) = try parser.parse(&input) else {
            Issue.record("no second request")
            return
        }
        #expect(ObjectIdentifier(first.storage) != ObjectIdentifier(second.storage))
        #expect(first.method == "GET" && first.path == "/a" && first.query == "x=1" && first.target == "/a?x=1")
        #expect(first.headers["x-tag"] == "first" && first.headers["host"] == "a" && first.body.isEmpty)
        #expect(second.method == "POST" && second.path == "/b" && second.body == Array("hi".utf8))
    }

    @Test func aRequestNobodyHoldsLendsItsBoxToTheNext() throws {
        var parser = RequestParser(limits: HTTPLimits())
        var input = InputBuffer()
        input.append(Array(Self.pipelined.utf8))
        var first: Request?
        if case .request(let request) = try parser.parse(&input) { first = request }
        let firstBox = try ObjectIdentifier(#require(first).storage)
        first = nil
        guard case .request(let second) = try parser.parse(&input) else {
            Issue.record("no second request")
            return
        }
        #expect(ObjectIdentifier(second.storage) == firstBox)
        #expect(second.path == "/b" && second.query == nil && second.headers["x-tag"] == "second")
        #expect(second.headers.count == 3 && second.body == Array("hi".utf8))
    }

    /// Over TCP: a handler that keeps every request it is given, on one keep-alive connection.
    @Test func requestsAHandlerKeptAreUnchangedByTheConnectionsLaterRequests() async throws {
        let kept = Locked<[Request]>([])
        var router = Router()
        router.add(
            "GET", "/keep",
            .sync { request in
                kept.withLock { $0.append(request) }
                return Response(status: .ok)
            })
        try await withServer(router) { _, port in
            let client = try TestClient(port: port)
            try client.send(
                "GET /keep?n=1 HTTP/1.1\r\nHost: h\r\nX-Tag: one\r\n\r\n"
                    + "GET /keep?n=2 HTTP/1.1\r\nHost: h\r\nX-Tag: two\r\nX-Request-ID: second\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(try client.readResponse().status == 200)
        }
        let requests = kept.withLock { $0 }
        #expect(requests.map(\.query) == ["n=1", "n=2"])
        #expect(requests.map { $0.headers["x-tag"] } == ["one", "two"])
        #expect(requests[0].id != "second" && requests[1].id == "second")
        #expect(requests.allSatisfy { $0.remoteAddress == "127.0.0.1" })
    }
}
