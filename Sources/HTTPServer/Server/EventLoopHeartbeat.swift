import Synchronization

/// When an event loop last came back from `epoll_wait`. A loop wakes at least every quarter second even
/// with nothing to do, so a heartbeat much older than that means the loop is stuck: a handler blocking its
/// thread, or a bug. Written by the loop alone, read by anyone (a liveness probe, metrics).
final class EventLoopHeartbeat: Sendable {
    /// Monotonic nanoseconds of the last turn; 0 once the loop has stopped, when it no longer counts.
    private let lastTurn = Atomic<UInt64>(0)

    func beat(at now: UInt64) {
        lastTurn.store(now, ordering: .relaxed)
    }

    func stop() {
        lastTurn.store(0, ordering: .relaxed)
    }

    /// Nanoseconds since the last turn, or nil for a loop that is not running.
    func silence(at now: UInt64) -> UInt64? {
        let last = lastTurn.load(ordering: .relaxed)
        guard last != 0 else { return nil }
        return now > last ? now - last : 0
    }
}
