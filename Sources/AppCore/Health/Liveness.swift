import HTTPServer

/// The `/livez` answer: whether the process can serve at all. It looks only at the event loops, never at the
/// database or the health switch, so an orchestrator that restarts on a failed liveness probe never restarts
/// a sound process because PostgreSQL is down; a restart cannot fix that, and all replicas would go at once.
public struct Liveness: Sendable {
    /// Idle loops turn every quarter second; one silent this long is stuck, and so are its clients.
    public static let stallLimit = Duration.seconds(5)

    private let longestStall: @Sendable () -> Duration

    public init(statistics: ServerStatistics) {
        self.init { statistics.longestEventLoopStall }
    }

    init(longestStall: @escaping @Sendable () -> Duration) {
        self.longestStall = longestStall
    }

    private static let noStore = HTTPHeaders([("Cache-Control", "no-store")])

    /// 200 `{"status": "ok"}`; 503 `{"status": "stalled", ...}` when an event loop has not turned for
    /// `stallLimit`. Answered by a loop that does turn: a probe that reaches a stuck one times out instead.
    public func report() -> Response {
        let stall = longestStall()
        guard stall >= Self.stallLimit else {
            return .json(.ok, .object([("status", .string("ok"))]), headers: Self.noStore)
        }
        return .json(
            .serviceUnavailable,
            .object([
                ("status", .string("stalled")),
                ("event_loop_stalled_seconds", .number((stall.inSeconds * 10).rounded() / 10)),
            ]),
            headers: Self.noStore)
    }
}
