import Glibc
import Locking
import TestSupport
import Testing

@testable import HTTPServer

/// Counts the pieces a stream was asked for, across the server's threads.
private final class PieceCounter: Sendable {
    private let count = Locked(0)
    var asked: Int { count.withLock { $0 } }
    func ask() -> Int {
        count.withLock {
            $0 += 1; return $0
        }
    }
}

private struct StreamFailed: Error {}

/// `GET /stream/{n}`: n pieces `piece-1;piece-2;...`; `GET /endless`: 16 KiB pieces for ever; `GET /breaks`:
/// one piece, then a failure.
private func streamingRouter(_ counter: PieceCounter) -> Router {
    var router = Router()
    router.get("/health") { _ in .json(.ok, "{\"status\": \"ok\"}") }
    router.get("/stream/{n}") { request in
        let total = Int(request.pathParameters["n"] ?? "") ?? 0
        let sent = Locked(0)
        return .streamed(
            body: BodyStream(maxPieceBytes: 64) {
                _ = counter.ask()
                let index = sent.withLock {
                    $0 += 1; return $0
                }
                return index <= total ? Array("piece-\(index);".utf8) : nil
            })
    }
    router.get("/endless") { _ in
        .streamed(
            body: BodyStream(maxPieceBytes: 16 * 1024) {
                _ = counter.ask()
                return [UInt8](repeating: UInt8(ascii: "x"), count: 16 * 1024)
            })
    }
    router.get("/breaks") { _ in
        .streamed(
            body: BodyStream(maxPieceBytes: 64) {
                guard counter.ask() == 1 else { throw StreamFailed() }
                return Array("the first piece".utf8)
            })
    }
    return router
}

@Suite(.blockingIO) struct StreamedBodyTests {
    @Test func sendsAStreamInChunksThenAnswersThePipelinedRequest() async throws {
        let counter = PieceCounter()
        try await withServer(streamingRouter(counter)) { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /stream/3 HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            let streamed = try client.readResponse()
            #expect(streamed.status == 200)
            #expect(streamed.headers["transfer-encoding"] == "chunked")
            #expect(streamed.headers["content-length"] == nil)
            #expect(streamed.body == "piece-1;piece-2;piece-3;")
            let next = try client.readResponse()
            #expect(next.body == "{\"status\": \"ok\"}")
            #expect(counter.asked == 4)
        }
    }

    @Test func endsAStreamToHTTP10ByClosingTheConnection() async throws {
        try await withServer(streamingRouter(PieceCounter())) { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /stream/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.headers["transfer-encoding"] == nil)
            #expect(response.headers["connection"] == "close")
            #expect(response.body == "piece-1;piece-2;")
        }
    }

    @Test func headOfAStreamSendsItsHeadAndAsksForNoPiece() async throws {
        let counter = PieceCounter()
        try await withServer(streamingRouter(counter)) { _, port in
            let client = try TestClient(port: port)
            try client.send("HEAD /stream/3 HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(bodyExpected: false)
            #expect(head.headers["transfer-encoding"] == "chunked")
            #expect(try client.readResponse().body == "{\"status\": \"ok\"}")
            #expect(counter.asked == 0)
        }
    }

    /// A body that cannot be completed must not look complete: no last chunk, the connection closed.
    @Test func aStreamThatFailsCutsTheConnectionShort() async throws {
        try await withServer(streamingRouter(PieceCounter())) { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /breaks HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(throws: TestClient.Failure.self) { try client.readResponse() }
        }
    }

    /// The server asks for a piece only once the last is written: a client that stops reading holds one
    /// piece in the server, whatever the stream could produce; and when it leaves, the stream stops.
    @Test func aClientThatStopsReadingHoldsOnePieceAtMost() async throws {
        let counter = PieceCounter()
        let statistics = ServerStatistics()
        try await withServer(streamingRouter(counter), statistics: statistics) { server, port in
            var client: TestClient? = try TestClient(port: port)
            client?.shrinkReceiveBuffer()
            try client?.send("GET /endless HTTP/1.1\r\nHost: t\r\n\r\n")
            // Once the kernel's buffers on both sides are full, no more pieces are asked for.
            var seen = (asked: 0, since: ContinuousClock.now)
            try await waitUntil {
                if counter.asked != seen.asked { seen = (counter.asked, ContinuousClock.now) }
                return seen.asked > 0 && ContinuousClock.now - seen.since > .milliseconds(300)
            }
            // The kernel holds a few MiB at most; an unbounded stream would have gone far beyond.
            #expect(counter.asked * 16 * 1024 < 64 * 1024 * 1024)
            #expect(statistics.bytesBuffered <= 16 * 1024 + 512)
            client = nil
            try await waitUntil { server.openConnectionCount == 0 && statistics.bytesBuffered == 0 }
        }
    }
}
