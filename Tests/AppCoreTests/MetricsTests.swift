import Dispatch
import HTTPServer
import Testing

@testable import AppCore

@Suite struct MetricsTests {
    private func metrics(_ records: [RequestRecord] = []) throws -> AppMetrics {
        let config = try AppConfig.load(from: ["GIT_SHA": "abc123", "APP_ENV": "test"])
        let metrics = AppMetrics(config: config, statistics: ServerStatistics(), logSink: LogSink { _ in })
        for record in records { metrics.record(record) }
        return metrics
    }

    private func record(
        _ method: String, _ route: String?, _ status: Int, milliseconds: Int = 1, path: String = "/"
    ) -> RequestRecord {
        RequestRecord(
            requestID: "r", method: method, path: path, route: route, status: status, bodyBytes: 0,
            duration: .milliseconds(milliseconds), remote: "-")
    }

    private func lines(_ metrics: AppMetrics) -> [Substring] {
        metrics.render().split(separator: "\n")
    }

    @Test func countsByMethodRoutePatternAndStatus() throws {
        let metrics = try metrics([
            record("GET", "/health", 200), record("GET", "/health", 200), record("GET", "/health", 503),
            record("GET", "/api/notes/{id}", 404, path: "/api/notes/7"),
        ])
        let output = lines(metrics)
        #expect(output.contains("http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"))
        #expect(output.contains("http_requests_total{method=\"GET\",route=\"/health\",status=\"503\"} 1"))
        #expect(output.contains("http_requests_total{method=\"GET\",route=\"/api/notes/{id}\",status=\"404\"} 1"))
        #expect(!metrics.render().contains("/api/notes/7"))
    }

    /// Each thread counts into its own shard while scrapes read them all: nothing is lost, and statuses
    /// first seen meanwhile (which grow a shard's lists) are counted too.
    @Test func countsFromManyThreadsDuringScrapesAddUpExactly() throws {
        let metrics = try metrics()
        let statuses = [200, 201, 202, 204, 400, 401, 404, 409, 500, 503]
        DispatchQueue.concurrentPerform(iterations: 9) { thread in
            if thread == 8 {
                for _ in 0..<50 { _ = metrics.render() }
                return
            }
            for index in 0..<1_000 {
                metrics.record(record("GET", "/health", statuses[index % statuses.count], milliseconds: index % 3))
            }
        }
        let output = lines(metrics)
        for status in statuses {
            #expect(output.contains("http_requests_total{method=\"GET\",route=\"/health\",status=\"\(status)\"} 800"))
        }
        #expect(output.contains("http_request_duration_seconds_count{method=\"GET\",route=\"/health\"} 8000"))
    }

    @Test func randomPathsAndInventedMethodsShareOneSeries() throws {
        let records = (0..<500).map { record("M\($0)", nil, 404, path: "/scan/\($0)") }
        let output = lines(try metrics(records)).filter { $0.hasPrefix("http_requests_total{") }
        #expect(output == ["http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"404\"} 500"])
    }

    @Test func durationHistogramIsCumulativeWithSumAndCount() throws {
        let metrics = try metrics([
            record("GET", "/", 200, milliseconds: 0), record("GET", "/", 200, milliseconds: 3),
            record("GET", "/", 200, milliseconds: 20_000),
        ])
        let output = lines(metrics)
        let prefix = "http_request_duration_seconds_bucket{method=\"GET\",route=\"/\","
        #expect(output.contains(prefix + "le=\"0.0005\"} 1"))
        #expect(output.contains(prefix + "le=\"0.0025\"} 1"))
        #expect(output.contains(prefix + "le=\"0.005\"} 2"))
        #expect(output.contains(prefix + "le=\"10\"} 2"))
        #expect(output.contains(prefix + "le=\"+Inf\"} 3"))
        #expect(output.contains("http_request_duration_seconds_count{method=\"GET\",route=\"/\"} 3"))
        #expect(output.contains("http_request_duration_seconds_sum{method=\"GET\",route=\"/\"} 20.003"))
    }

    @Test func everyFamilyHasHelpAndTypeAndTheProcessIsDescribed() throws {
        let output = lines(try metrics())
        for name in [
            "http_requests_total", "http_request_duration_seconds", "http_requests_in_flight", "http_connections_open",
            "http_connections_rejected_total", "process_start_time_seconds", "process_resident_memory_bytes",
            "process_open_fds", "app_build_info", "log_lines_dropped_total", "http_event_loop_stall_seconds",
        ] {
            #expect(output.contains { $0.hasPrefix("# HELP \(name) ") }, "\(name)")
            #expect(output.contains { $0.hasPrefix("# TYPE \(name) ") }, "\(name)")
        }
        #expect(output.contains("app_build_info{version=\"1.0.0\",commit=\"abc123\",env=\"test\"} 1"))
        #expect(output.contains("http_connections_rejected_total{reason=\"max_connections\"} 0"))
        let resident = try #require(output.first { $0.hasPrefix("process_resident_memory_bytes ") })
        #expect((Int(resident.split(separator: " ")[1]) ?? 0) > 1_000_000)
        let fds = try #require(output.first { $0.hasPrefix("process_open_fds ") })
        #expect((Int(fds.split(separator: " ")[1]) ?? 0) >= 3)
        let start = try #require(output.first { $0.hasPrefix("process_start_time_seconds ") })
        let startSeconds = Double(start.split(separator: " ")[1]) ?? 0
        #expect(startSeconds > 1_700_000_000 && startSeconds < 4_000_000_000)
    }

    @Test func labelValuesAreEscaped() {
        #expect(PrometheusText.escaped("a\\b\"c\nd") == "a\\\\b\\\"c\\nd")
    }

    @Test func numbersUseThePrometheusSpelling() {
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(0.0005) == "0.0005")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
    }

    @Test func theResponseHasTheExpositionContentType() throws {
        let response = try metrics().response()
        #expect(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func recordsFromManyThreadsAreAllCounted() async throws {
        let metrics = try metrics()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 {
                        metrics.record(
                            RequestRecord(
                                requestID: "r", method: "GET", path: "/", route: "/", status: 200, bodyBytes: 0,
                                duration: .zero, remote: "-"))
                    }
                }
            }
        }
        #expect(lines(metrics).contains("http_requests_total{method=\"GET\",route=\"/\",status=\"200\"} 8000"))
    }
}
