import Dispatch
import Glibc
import Locking
import TestSupport
import Testing

@testable import HTTPServer

@Suite(.blockingIO) struct RequestIDAndStatisticsTests {
    private func router() -> Router {
        var router = Router()
        router.get("/id") { request in Response(body: Array(request.id.utf8)) }
        return router
    }

    @Test func aValidClientIDIsKeptEchoedAndRecorded() async throws {
        let records = Locked<[RequestRecord]>([])
        try await withServer(router(), observer: { record in records.withLock { $0.append(record) } }) { _, port in
            let client = try TestClient(port: port)
            let id = "Abc-123_x.y" + String(repeating: "z", count: 117)
            try client.send("GET /id HTTP/1.1\r\nHost: t\r\nX-Request-ID: \(id)\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.headers["x-request-id"] == id)
            #expect(response.body == id)
            // The record is made as the response is queued, which is before the client can read it.
            #expect(records.withLock { $0.last?.requestID } == id)
        }
    }

    @Test(arguments: [
        "", "has space", "semi;colon", "caf\u{e9}", String(repeating: "a", count: 129), "a/b", "a+b", "quote\"",
    ])
    func anUnusableClientIDIsReplaced(_ offered: String) async throws {
        try await withServer(router()) { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /id HTTP/1.1\r\nHost: t\r\nX-Request-ID: \(offered)\r\n\r\n")
            let response = try client.readResponse()
            let id = try #require(response.headers["x-request-id"])
            #expect(id != offered)
            #expect(RequestIDs.isAcceptable(id))
            #expect(response.body == id)
        }
    }

    @Test func twoIDFieldsAreReplacedAndGeneratedIDsDiffer() async throws {
        try await withServer(router()) { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /id HTTP/1.1\r\nHost: t\r\nX-Request-ID: one\r\nX-Request-ID: two\r\n\r\n")
            let first = try #require(try client.readResponse().headers["x-request-id"])
            try client.send("GET /id HTTP/1.1\r\nHost: t\r\n\r\n")
            let second = try #require(try client.readResponse().headers["x-request-id"])
            #expect(first != "one" && first != "two")
            #expect(first != second)
        }
    }

    @Test func errorsWithoutARequestStillCarryAnID() async throws {
        try await withServer(router()) { _, port in
            let client = try TestClient(port: port)
            try client.send("BROKEN\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.headers["x-request-id"].map(RequestIDs.isAcceptable) == true)
        }
    }

    @Test func countsOpenConnectionsAndRequestsInFlight() async throws {
        let statistics = ServerStatistics()
        let gate = Gate()
        var router = router()
        router.addGated(gate)
        try await withServer(router, statistics: statistics) { _, port in
            let waiting = try TestClient(port: port)
            try waiting.send("GET /gated HTTP/1.1\r\nHost: t\r\n\r\n")
            while gate.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let idle = try TestClient(port: port)
            try idle.send("GET /id HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try idle.readResponse()
            #expect(statistics.connectionsOpen == 2)
            #expect(statistics.requestsInFlight == 1)
            gate.open()
            _ = try waiting.readResponse()
            #expect(statistics.requestsInFlight == 0)
        }
    }

    @Test func countsConnectionsTurnedAwayAtTheLimit() async throws {
        let statistics = ServerStatistics()
        let gate = Gate()
        var router = router()
        router.addGated(gate)
        try await withServer(router, configure: { $0.maxConnections = 1 }, statistics: statistics) { _, port in
            // A handler at work: never closed to make room.
            let first = try TestClient(port: port)
            try first.send("GET /gated HTTP/1.1\r\nHost: t\r\n\r\n")
            while gate.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let second = try TestClient(port: port)
            #expect(try second.readResponse().status == 503)
            #expect(statistics.connectionsRejectedAtCapacity == 1)
            #expect(statistics.connectionsOpen == 1)
            gate.open()
            #expect(try first.readResponse().body == "released")
        }
    }

    @Test func anAsyncHandlerOutlivingItsConnectionIsStillCountedOut() async throws {
        let statistics = ServerStatistics()
        let gate = Gate()
        var router = router()
        router.addGated(gate)
        try await withServer(router, statistics: statistics) { _, port in
            do {
                let client = try TestClient(port: port)
                try client.send("GET /gated HTTP/1.1\r\nHost: t\r\n\r\n")
                while gate.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
                #expect(statistics.requestsInFlight == 1)
            }
            // The client is gone; its handler finishes after.
            gate.open()
            for _ in 0..<500 where statistics.requestsInFlight > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(statistics.requestsInFlight == 0)
        }
    }

    @Test func aLoopBlockedByItsHandlerShowsAsAStallUntilItTurnsAgain() async throws {
        let statistics = ServerStatistics()
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        var router = router()
        // A synchronous handler that blocks: the bug a liveness probe exists to catch.
        router.get("/block") { _ in
            entered.signal()
            release.wait()
            return Response(body: Array("unblocked".utf8))
        }
        try await withServer(router, configure: { $0.eventLoopCount = 1 }, statistics: statistics) { _, port in
            #expect(statistics.longestEventLoopStall < .seconds(1))
            let client = try TestClient(port: port)
            try client.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
            entered.wait()
            try await Task.sleep(for: .milliseconds(800))
            #expect(statistics.longestEventLoopStall >= .milliseconds(700))
            release.signal()
            #expect(try client.readResponse().body == "unblocked")
            for _ in 0..<100 where statistics.longestEventLoopStall >= .milliseconds(500) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(statistics.longestEventLoopStall < .milliseconds(500))
        }
        // Stopped loops are not stalled ones.
        #expect(statistics.longestEventLoopStall == .zero)
    }
}

/// A made-up id is written into responses as bytes and made into text only when read: both must agree.
@Suite struct RequestIDFormTests {
    @Test(arguments: [UInt64(1), 9, 10, 15, 16, 255, 256, 0xdead_beef, UInt64.max])
    func bytesAndTextAgree(counter: UInt64) {
        let id = RequestID(prefix: 0x0123_4567_89ab_cdef, counter: counter)
        let bytes = id.withBytes { Array($0) }
        #expect(String(decoding: bytes, as: UTF8.self) == id.text)
        #expect(id.text == "0123456789abcdef-" + String(counter, radix: 16))
        #expect(RequestIDs.isAcceptable(id.text))
    }

    @Test func aSmallPrefixIsPaddedToSixteenDigits() {
        let id = RequestID(prefix: 1, counter: 0)
        #expect(id.text == "0000000000000001-0")
        #expect(id.withBytes { Array($0) } == Array(id.text.utf8))
    }

    @Test func aClientsIdIsKeptAsItCame() {
        let bytes = RequestID("trace-42").withBytes { Array($0) }
        #expect(bytes == Array("trace-42".utf8))
        #expect(RequestID("trace-42").text == "trace-42")
    }
}
