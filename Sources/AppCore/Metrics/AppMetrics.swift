import HTTPServer
import Locking

/// Everything `/metrics` shows: request counts and durations, the server's live counts, the process, the
/// build, and the log lines dropped.
public final class AppMetrics: Sendable {
    public let requests = RequestMetrics()
    private let statistics: ServerStatistics
    private let logSink: LogSink
    private let buildLabels: [(String, String)]
    /// Read from /proc at most once a second: a client pipelining /metrics must not turn each request into
    /// three file reads on the event loop.
    private let processFigures = Locked<(readAt: ContinuousClock.Instant, resident: Int?, fds: Int?)?>(nil)
    private static let processFiguresMaxAge = Duration.seconds(1)
    /// Fixed for the life of the process.
    private let startTime = ProcessMetrics.startTimeSeconds()

    public init(config: AppConfig, statistics: ServerStatistics, logSink: LogSink) {
        self.statistics = statistics
        self.logSink = logSink
        buildLabels = [
            ("version", config.version), ("commit", config.gitSHA ?? "unknown"), ("env", config.environment),
        ]
    }

    public func record(_ record: RequestRecord) {
        requests.record(record)
    }

    public func response() -> Response {
        let headers = HTTPHeaders([("Content-Type", PrometheusText.contentType), ("Cache-Control", "no-store")])
        return Response(status: .ok, headers: headers, body: Array(render().utf8))
    }

    func render() -> String {
        var output = PrometheusText()
        renderRequests(into: &output)
        output.family("http_requests_in_flight", "gauge", "Requests received and not yet answered.")
        output.sample("http_requests_in_flight", statistics.requestsInFlight)
        output.family("http_connections_open", "gauge", "Client connections open.")
        output.sample("http_connections_open", statistics.connectionsOpen)
        output.family(
            "http_connections_rejected_total", "counter",
            "Connections turned away: max_connections were answered 503 and closed; out_of_descriptors counts"
                + " accepts that failed for lack of file descriptors (the client waits in the backlog).")
        output.sample(
            "http_connections_rejected_total", statistics.connectionsRejectedAtCapacity,
            labels: [("reason", "max_connections")])
        output.sample(
            "http_connections_rejected_total", statistics.acceptsFailedOutOfDescriptors,
            labels: [("reason", "out_of_descriptors")])
        output.family(
            "http_connections_evicted_total", "counter",
            "Connections closed to make room for a new client while max_connections were open: those that sent"
                + " nothing first, then idle keep-alive ones, then requests arriving below the minimum body rate.")
        output.sample("http_connections_evicted_total", statistics.connectionsEvicted)
        output.family(
            "http_buffered_bytes", "gauge",
            "Bytes held for clients: requests being received or handled and responses they have not read yet,"
                + " never more than max_buffered_bytes.")
        output.sample("http_buffered_bytes", statistics.bytesBuffered)
        output.family(
            "http_event_loop_stall_seconds", "gauge",
            "How long the event loop silent longest has gone without a turn: under 0.3 when all is well;"
                + " /livez fails from \(Int(Liveness.stallLimit.inSeconds)).")
        output.sample("http_event_loop_stall_seconds", statistics.longestEventLoopStall.inSeconds)
        renderProcess(into: &output)
        output.family("app_build_info", "gauge", "Always 1; the labels say which build is running.")
        output.sample("app_build_info", 1, labels: buildLabels)
        output.family("log_lines_dropped_total", "counter", "Log lines dropped because the log buffer was full.")
        output.sample("log_lines_dropped_total", logSink.droppedLines)
        return output.text
    }

    private func renderRequests(into output: inout PrometheusText) {
        let snapshot = requests.snapshot().sorted { $0.key < $1.key }
        output.family(
            "http_requests_total", "counter",
            "HTTP requests answered, by method, route pattern (\"unmatched\" when none) and status.")
        for (key, series) in snapshot {
            for (status, count) in series.statuses.sorted(by: { $0.code < $1.code }) {
                output.sample(
                    "http_requests_total", count,
                    labels: [("method", key.method), ("route", key.route), ("status", String(status))])
            }
        }
        output.family(
            "http_request_duration_seconds", "histogram",
            "Time from a request's first byte to its response being queued, by method and route pattern.")
        for (key, series) in snapshot {
            let histogram = series.durations
            let labels = [("method", key.method), ("route", key.route)]
            var cumulative = 0
            for (bound, count) in zip(RequestMetrics.bucketBounds + [.infinity], histogram.buckets) {
                cumulative += count
                output.sample(
                    "http_request_duration_seconds_bucket", cumulative,
                    labels: labels + [("le", PrometheusText.format(bound))])
            }
            output.sample("http_request_duration_seconds_sum", histogram.sum, labels: labels)
            output.sample("http_request_duration_seconds_count", histogram.count, labels: labels)
        }
    }

    private func currentProcessFigures() -> (resident: Int?, fds: Int?) {
        let now = ContinuousClock.now
        if let cached = processFigures.withLock({ $0 }), now - cached.readAt < Self.processFiguresMaxAge {
            return (cached.resident, cached.fds)
        }
        let fresh = (resident: ProcessMetrics.residentMemoryBytes(), fds: ProcessMetrics.openFileDescriptors())
        processFigures.withLock { $0 = (now, fresh.resident, fresh.fds) }
        return fresh
    }

    private func renderProcess(into output: inout PrometheusText) {
        let (resident, fds) = currentProcessFigures()
        if let start = startTime {
            output.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch.")
            output.sample("process_start_time_seconds", start)
        }
        if let resident {
            output.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
            output.sample("process_resident_memory_bytes", resident)
        }
        if let fds {
            output.family("process_open_fds", "gauge", "Open file descriptors.")
            output.sample("process_open_fds", fds)
        }
    }
}
