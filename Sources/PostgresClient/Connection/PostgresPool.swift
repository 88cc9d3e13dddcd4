import Dispatch
import Locking

/// A few connections shared by every caller. A broken connection is dropped and a new one opened on demand.
/// Each connection does its blocking I/O on a serial queue of its own: such queues get a thread each when they
/// need one, unlike Swift's cooperative pool or Dispatch's global queues, which have one thread per core.
public final class PostgresPool: Sendable {
    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<PostgresConnection?, Never>] = []
    }

    public let configuration: PostgresConfiguration
    public let size: Int
    private let state = Locked(State())

    public init(configuration: PostgresConfiguration, size: Int) {
        self.configuration = configuration
        self.size = max(1, size)
    }

    /// Runs one statement on a pooled connection, within `timeout` (default: the configuration's query timeout).
    public func query(_ sql: String, _ parameters: [String?] = [], timeout: Duration? = nil) async throws(PostgresError)
        -> [[String?]]
    {
        let connection = try await acquire()
        let result: Result<[[String?]], PostgresError> = await runBlocking(on: connection.queue) {
            do throws(PostgresError) {
                return .success(try connection.query(sql, parameters, timeout: timeout))
            } catch {
                return .failure(error)
            }
        }
        release(connection)
        return try result.get()
    }

    private func acquire() async throws(PostgresError) -> PostgresConnection {
        enum Next {
            case reuse(PostgresConnection)
            case open
            case wait
        }
        let next = state.withLock { state -> Next in
            if let connection = state.idle.popLast() { return .reuse(connection) }
            if state.open < size {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch next {
        case .reuse(let connection):
            return connection
        case .open:
            return try await openConnection()
        case .wait:
            let handedOver = await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    // A slot may have been freed between the two locks.
                    if state.open < size {
                        state.open += 1
                        return true
                    }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume(returning: nil) }
            }
            // nil means: a slot is yours, open a connection.
            if let handedOver { return handedOver }
            return try await openConnection()
        }
    }

    private func openConnection() async throws(PostgresError) -> PostgresConnection {
        let configuration = self.configuration
        let result: Result<PostgresConnection, PostgresError> = await runBlocking(
            on: DispatchQueue(label: "postgres.connect")
        ) {
            do throws(PostgresError) {
                return .success(try PostgresConnection(configuration))
            } catch {
                return .failure(error)
            }
        }
        if case .failure = result { releaseSlot() }
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
            releaseSlot()
            return
        }
        let waiter = state.withLock { state -> CheckedContinuation<PostgresConnection?, Never>? in
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    /// A connection slot is free again: give it to a waiter, who will open a new connection.
    private func releaseSlot() {
        let waiter = state.withLock { state -> CheckedContinuation<PostgresConnection?, Never>? in
            if state.waiters.isEmpty {
                state.open -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: nil)
    }

    private func runBlocking<Value: Sendable>(on queue: DispatchQueue, _ work: @escaping @Sendable () -> Value) async
        -> Value
    {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
