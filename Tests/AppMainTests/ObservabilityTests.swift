import Foundation
import TestSupport
import Testing

/// The operator's view of the real binary: the health switch, JSON logs with request ids, /metrics.
@Suite(.blockingIO) struct ObservabilityTests {
    private static let key = "course-demo-key-0123"

    private func post(_ port: Int, _ body: String, authorization: String?) throws -> TestClient.Response {
        let client = try TestClient(port: port)
        let auth = authorization.map { "Authorization: \($0)\r\n" } ?? ""
        try client.send(
            "POST /admin/health HTTP/1.1\r\nHost: t\r\n\(auth)Content-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        return try client.readResponse()
    }

    @Test func theHealthSwitchTurnsHealthOffAndOnForTheKeyOnly() throws {
        let server = try RunningServer(environment: ["SECRET_KEY": Self.key])
        #expect(try server.get("/health").status == 200)
        #expect(try post(server.port, "{\"healthy\": false}", authorization: nil).status == 401)
        #expect(try post(server.port, "{\"healthy\": false}", authorization: "Bearer not-the-key").status == 401)
        #expect(try server.get("/health").status == 200)

        #expect(try post(server.port, "{\"healthy\": false}", authorization: "Bearer \(Self.key)").status == 200)
        let unhealthy = try server.get("/health")
        #expect(unhealthy.status == 503)
        #expect(unhealthy.body.contains("\"status\": \"unhealthy\", \"failing\": [\"manual\"]"))
        let probe = try AppProcess.run(["healthcheck"], environment: ["PORT": String(server.port)])
        #expect(probe.status == 1)

        #expect(try post(server.port, "{\"healthy\": true}", authorization: "Bearer \(Self.key)").status == 200)
        #expect(try server.get("/health").status == 200)
    }

    @Test func withoutASecretKeyTheAdminRouteIs404() throws {
        let server = try RunningServer()
        #expect(try post(server.port, "{\"healthy\": false}", authorization: "Bearer \(Self.key)").status == 404)
        #expect(try server.get("/health").status == 200)
    }

    @Test func productionLogsAreJSONWithTheRequestIDAndNoQueryString() throws {
        let server = try RunningServer(environment: ["APP_ENV": "production"])
        let client = try TestClient(port: server.port)
        try client.send("GET /version?token=s3cret HTTP/1.1\r\nHost: t\r\nX-Request-ID: trace-42\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.headers["x-request-id"] == "trace-42")
        let line = try #require(server.line(containing: "trace-42"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "request")
        #expect(object["level"] as? String == "INFO")
        #expect(object["request_id"] as? String == "trace-42")
        #expect(object["method"] as? String == "GET")
        #expect(object["path"] as? String == "/version")
        #expect(object["status"] as? Int == 200)
        #expect(object["remote"] as? String == "127.0.0.1")
        #expect(object["duration_ms"] is NSNumber)
        #expect(object["bytes"] as? Int == response.body.utf8.count)
        #expect(!line.contains("s3cret"))
    }

    /// A made-up id is written into the response and the access line from its bytes: both must show the same.
    @Test(arguments: ["json", "text"])
    func aGeneratedIDIsTheSameInTheResponseAndTheAccessLine(format: String) throws {
        let server = try RunningServer(environment: ["APP_ENV": "production", "LOG_FORMAT": format])
        let client = try TestClient(port: server.port)
        try client.send("GET /version HTTP/1.1\r\nHost: t\r\n\r\n")
        let id = try #require(try client.readResponse().headers["x-request-id"])
        #expect(id.count > 17 && id.allSatisfy { $0.isHexDigit || $0 == "-" })
        let line = try #require(server.line(containing: id))
        #expect(line.contains(format == "json" ? "\"request_id\":\"\(id)\"" : "request_id=\(id) "))
    }

    @Test func metricsCountRequestsByRoutePattern() throws {
        let server = try RunningServer(environment: ["LOG_LEVEL": "WARNING"])
        for _ in 0..<3 { _ = try server.get("/health") }
        _ = try server.get("/no/such/path")
        let metrics = try server.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 3\n"))
        #expect(metrics.body.contains("http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n"))
        #expect(metrics.body.contains("http_connections_open 1\n"))
        #expect(metrics.body.contains("http_requests_in_flight 1\n"))
    }
}

@Suite(.blockingIO) struct StalledLogReaderTests {
    /// Nobody reads the app's output after the startup line, as when a log shipper hangs: the pipe fills,
    /// and the app must go on answering and still stop at once on SIGTERM.
    @Test func aFullOutputPipeNeitherStallsRequestsNorDelaysExit() throws {
        let server = try RunningServer(environment: ["LOG_LEVEL": "DEBUG"], keepsReading: false)
        // About 200 bytes per access line: 5000 requests are more than the pipe (64 KiB) and the log buffer
        // (512 KiB) hold together.
        let client = try TestClient(port: server.port)
        for _ in 0..<5000 {
            try client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        let metrics = try server.get("/metrics").body
        let dropped = metrics.split(separator: "\n").first { $0.hasPrefix("log_lines_dropped_total ") }
        #expect((dropped.flatMap { Int($0.split(separator: " ")[1]) } ?? 0) > 0)
        // Blocked on the full pipe, it would never exit; the flush at exit gives up after 500 ms.
        #expect(server.stop() == 0)
    }
}
