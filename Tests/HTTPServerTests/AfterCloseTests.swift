import Locking
import TestSupport
import Testing

@testable import HTTPServer

/// `Response.afterClose`: the connection's last answer, and an action that runs only once it is written and
/// the connection closed, so that an action such as ending the process never cuts its own answer short.
@Suite(.blockingIO) struct AfterCloseTests {
    private static func router(_ ran: Locked<Int>) -> Router {
        var router = Router()
        router.get("/health") { _ in .json(.ok, "{\"status\": \"ok\"}") }
        router.add(
            "POST", "/last",
            .sync { _ in
                var response = Response.json(.accepted, "{\"last\": true}")
                response.afterClose = { ran.withLock { $0 += 1 } }
                return response
            })
        return router
    }

    @Test func runsOnceTheAnswerIsWrittenAndEndsTheConnection() async throws {
        let ran = Locked(0)
        try await withServer(Self.router(ran)) { _, port in
            let client = try TestClient(port: port)
            // A pipelined request after it is never answered: the connection ends with the last answer.
            try client.send(
                "POST /last HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 202)
            #expect(response.body == "{\"last\": true}")
            #expect(response.headers["connection"] == "close")
            #expect(client.isClosedByServer())
            try await waitUntil { ran.withLock { $0 } == 1 }
            // Another connection is served as before, and the action ran only once.
            let other = try TestClient(port: port)
            try other.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try other.readResponse().status == 200)
            #expect(ran.withLock { $0 } == 1)
        }
    }

    @Test func runsAlsoWhenTheClientLeavesFirst() async throws {
        let ran = Locked(0)
        try await withServer(Self.router(ran)) { _, port in
            do {
                // Closed when it goes out of scope, whether or not the answer has come.
                let client = try TestClient(port: port)
                try client.send("POST /last HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            }
            try await waitUntil { ran.withLock { $0 } == 1 }
        }
    }
}
