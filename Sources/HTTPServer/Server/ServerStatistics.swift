import Locking
import Synchronization

/// Live counts for an operator (the app exports them as metrics). Requests in flight change twice per
/// request on every core, so they are counted in per-thread atomics; the rest change once per connection.
public final class ServerStatistics: Sendable {
    private let openConnections = Atomic<Int>(0)
    private let inFlight = ShardedCounter()
    private let rejectedAtCapacity = Atomic<Int>(0)
    private let rejectedOutOfDescriptors = Atomic<Int>(0)
    private let evicted = Atomic<Int>(0)
    private let buffered = Atomic<Int>(0)
    private let overdrafts = Atomic<Int>(0)
    private let heartbeats = Locked<[EventLoopHeartbeat]>([])

    public init() {}

    /// Connections accepted and not yet closed.
    public var connectionsOpen: Int { openConnections.load(ordering: .relaxed) }

    /// Requests received in full whose response is not yet queued.
    public var requestsInFlight: Int { inFlight.total }

    /// Connections answered 503 and closed because MAX_CONNECTIONS were open.
    public var connectionsRejectedAtCapacity: Int { rejectedAtCapacity.load(ordering: .relaxed) }

    /// Accepts that failed for lack of file descriptors (the client waits in the backlog meanwhile).
    public var acceptsFailedOutOfDescriptors: Int { rejectedOutOfDescriptors.load(ordering: .relaxed) }

    /// Connections closed to make room for a new client while MAX_CONNECTIONS were open.
    public var connectionsEvicted: Int { evicted.load(ordering: .relaxed) }

    /// Bytes held for clients: requests being received or handled, responses not yet sent.
    public var bytesBuffered: Int { buffered.load(ordering: .relaxed) }

    /// How long the event loop that has been silent longest has gone without a turn; zero when none runs.
    /// Idle loops turn every quarter second, so seconds here mean a loop is stuck and its clients wait.
    public var longestEventLoopStall: Duration {
        let now = MonotonicClock.now()
        let longest = heartbeats.withLock { heartbeats in heartbeats.compactMap { $0.silence(at: now) }.max() }
        return .nanoseconds(Int64(clamping: longest ?? 0))
    }

    func register(_ heartbeat: EventLoopHeartbeat) {
        heartbeats.withLock { $0.append(heartbeat) }
    }

    func changeBytesBuffered(by delta: Int) {
        buffered.wrappingAdd(delta, ordering: .relaxed)
    }

    /// Counts an overdraft of the buffer budget in, unless `limit` are already taken.
    func takeOverdraft(limit: Int) -> Bool {
        if overdrafts.wrappingAdd(1, ordering: .relaxed).newValue > limit {
            overdrafts.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func returnOverdraft() {
        overdrafts.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Counts a new connection in, unless `limit` are already open.
    func reserveConnection(limit: Int) -> Bool {
        let count = openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        if count > limit {
            openConnections.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func countRejectedAtCapacity() {
        rejectedAtCapacity.wrappingAdd(1, ordering: .relaxed)
    }

    func countEvicted() {
        evicted.wrappingAdd(1, ordering: .relaxed)
    }

    func releaseConnection() {
        openConnections.wrappingSubtract(1, ordering: .relaxed)
    }

    func countOutOfDescriptors() {
        rejectedOutOfDescriptors.wrappingAdd(1, ordering: .relaxed)
    }

    func requestStarted() {
        inFlight.add(1)
    }

    func requestFinished() {
        inFlight.add(-1)
    }
}
