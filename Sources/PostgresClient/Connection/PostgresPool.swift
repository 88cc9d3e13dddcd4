import DeadlineSocket
import Dispatch
import Locking

/// A few connections shared by every caller. A broken connection is dropped and a new one opened on demand.
/// Each connection does its blocking I/O on a serial queue of its own: such queues get a thread each when they
/// need one, unlike Swift's cooperative pool or Dispatch's global queues, which have one thread per core.
///
/// Every query has one deadline for all it does: waiting for a free connection, opening one, and the round
/// trip. A caller is never held past it, however the server misbehaves (stopped, overloaded, unreachable).
public final class PostgresPool: Sendable {
    /// What a waiting caller is given.
    private enum Handover {
        case connection(PostgresConnection)
        /// A slot under `size`: the caller opens a connection.
        case slot
        case timedOut
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Handover, Never>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var lastWaiterID: UInt64 = 0
    }

    /// What the pool tells its owner about its connections, for a debug log.
    public enum Event: Sendable {
        case connected(took: Duration)
        case connectFailed(PostgresError)
        /// A connection broke; the idle ones were closed with it, being most likely dead too.
        case discarded(idleAlsoClosed: Int)
    }

    public let configuration: PostgresConfiguration
    public let size: Int
    private let onEvent: @Sendable (Event) -> Void
    private let state = Locked(State())
    /// Where waits for a free connection are timed out.
    private let timers = DispatchQueue(label: "postgres.pool.timers")

    public init(
        configuration: PostgresConfiguration, size: Int, onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.size = max(1, size)
        self.onEvent = onEvent
    }

    /// Runs one statement on a pooled connection, finishing by `deadline` (default: the configuration's query
    /// timeout from now) or failing with `.timeout`.
    public func query(_ sql: String, _ parameters: [String?] = [], deadline: Deadline? = nil)
        async throws(PostgresError)
        -> [[String?]]
    {
        let deadline = deadline ?? Deadline(after: configuration.queryTimeout)
        let connection = try await acquire(by: deadline)
        let result: Result<[[String?]], PostgresError> = await runBlocking(on: connection.queue) {
            do throws(PostgresError) {
                return .success(try connection.query(sql, parameters, deadline: deadline))
            } catch {
                return .failure(error)
            }
        }
        release(connection)
        return try result.get()
    }

    private func acquire(by deadline: Deadline) async throws(PostgresError) -> PostgresConnection {
        let handover = await withCheckedContinuation { continuation in
            let now: Handover? = state.withLock { state in
                if let connection = state.idle.popLast() { return .connection(connection) }
                if state.open < size {
                    state.open += 1
                    return .slot
                }
                state.lastWaiterID += 1
                state.waiters.append(Waiter(id: state.lastWaiterID, continuation: continuation))
                scheduleTimeout(of: state.lastWaiterID, at: deadline)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
        switch handover {
        case .connection(let connection):
            return connection
        case .slot:
            return try await openConnection(by: deadline)
        case .timedOut:
            throw PostgresError(.timeout, "timed out waiting for one of the \(size) connections to the server")
        }
    }

    /// A waiter still in line at its deadline leaves it; one already handed something is left alone.
    private func scheduleTimeout(of id: UInt64, at deadline: Deadline) {
        timers.asyncAfter(deadline: deadline.dispatchTime) { [self] in
            let expired = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            expired?.continuation.resume(returning: .timedOut)
        }
    }

    private func openConnection(by deadline: Deadline) async throws(PostgresError) -> PostgresConnection {
        let configuration = self.configuration
        let connectBy = min(deadline, Deadline(after: configuration.connectTimeout))
        let started = ContinuousClock.now
        let result: Result<PostgresConnection, PostgresError> = await runBlocking(
            on: DispatchQueue(label: "postgres.connect")
        ) {
            do throws(PostgresError) {
                return .success(try PostgresConnection(configuration, deadline: connectBy))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success: onEvent(.connected(took: ContinuousClock.now - started))
        case .failure(let error):
            onEvent(.connectFailed(error))
            releaseSlot()
        }
        return try result.get()
    }

    private func release(_ connection: PostgresConnection) {
        guard !connection.isBroken else {
            // One broken connection usually means the server restarted or the network dropped: the idle
            // ones are most likely dead too, so they go now rather than fail the next callers one by one.
            let stale = state.withLock { state in
                defer {
                    state.open -= state.idle.count
                    state.idle = []
                }
                return state.idle
            }
            withExtendedLifetime(stale) {}
            onEvent(.discarded(idleAlsoClosed: stale.count))
            releaseSlot()
            return
        }
        let waiter = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: .connection(connection))
    }

    /// A connection slot is free again: give it to a waiter, who will open a new connection.
    private func releaseSlot() {
        let waiter = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.open -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: .slot)
    }

    private func runBlocking<Value: Sendable>(on queue: DispatchQueue, _ work: @escaping @Sendable () -> Value) async
        -> Value
    {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
