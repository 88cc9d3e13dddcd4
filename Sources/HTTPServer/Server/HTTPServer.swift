import Dispatch
import Glibc
import Locking

/// An HTTP/1.1 server: a listening socket shared by one event loop per core.
public final class HTTPServer: Sendable {
    private enum State {
        case idle
        case starting
        case running(listener: Int32, loops: [EventLoop])
        case draining
        case stopped
    }

    private let context: ServerContext
    private let state = Locked(State.idle)
    /// When the drain stops waiting for requests in progress (MonotonicClock); `hurryShutdown` brings it forward.
    private let drainDeadline = Locked(UInt64.max)

    /// `statistics` is updated as the server runs; pass one in to read it (for metrics).
    public init(
        configuration: ServerConfiguration, router: Router, observer: RequestObserver? = nil,
        statistics: ServerStatistics = ServerStatistics()
    ) {
        context = ServerContext(
            configuration: configuration, router: router, observer: observer, statistics: statistics)
    }

    /// Binds and starts serving; returns the address actually bound (the real port when asked for port 0).
    /// Call it once: a second call is a bug in the caller (it would bind a second listener), stopped here.
    @discardableResult
    public func start() throws(SystemCallError) -> SocketAddress {
        MemoryReturn.start
        let mayStart = state.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .starting
            return true
        }
        precondition(mayStart, "HTTPServer.start() called on a server already started")
        let configuration = context.configuration
        let listener: Int32
        let port: Int
        do {
            (listener, port) = try Socket.listen(on: configuration.address, backlog: configuration.backlog)
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
        var loops: [EventLoop] = []
        var started: [EventLoop] = []
        do throws(SystemCallError) {
            for index in 0..<configuration.eventLoopCount {
                loops.append(try EventLoop(index: index, context: context))
            }
            for loop in loops { loop.siblings = loops }
            for loop in loops {
                try loop.start(listener: listener)
                started.append(loop)
            }
        } catch {
            for loop in started { loop.executeAndWait { loop.stop() } }
            // Loops that never ran still hold one another.
            for loop in loops { loop.siblings = [] }
            close(listener)
            state.withLock { $0 = .idle }
            throw error
        }
        state.withLock { $0 = .running(listener: listener, loops: loops) }
        return SocketAddress(host: configuration.address.host, port: port) ?? configuration.address
    }

    public var openConnectionCount: Int { context.statistics.connectionsOpen }

    /// Stops accepting at once, lets requests in progress finish for up to `gracePeriod`, then closes every
    /// connection and calls `completion` (on an arbitrary thread). Idle keep-alive connections are closed
    /// as soon as nothing is in progress.
    public func shutdown(gracePeriod: Duration, completion: @escaping @Sendable () -> Void) {
        let running = state.withLock { state -> (Int32, [EventLoop])? in
            guard case .running(let listener, let loops) = state else { return nil }
            state = .draining
            return (listener, loops)
        }
        guard let (listener, loops) = running else {
            completion()
            return
        }
        // The drain runs on its own queue, which waits on the loops: they never wait on it.
        let drainQueue = DispatchQueue(label: "http.drain")
        drainQueue.async { [self] in
            for loop in loops {
                loop.executeAndWait { loop.beginDrain() }
            }
            // Closed only now that no loop can still be accepting on it.
            close(listener)
            let deadline = MonotonicClock.now() + gracePeriod.nanoseconds
            drainDeadline.withLock { $0 = min($0, deadline) }
            waitForQuiet(loops, on: drainQueue) { [self] in
                for loop in loops {
                    loop.executeAndWait { loop.stop() }
                }
                state.withLock { $0 = .stopped }
                completion()
            }
        }
    }

    /// Ends the grace period of a shutdown now, or of the next one as soon as it starts: requests still in
    /// progress are cut, what the loops have already written stays written.
    public func hurryShutdown() {
        drainDeadline.withLock { $0 = 0 }
    }

    /// Polls the loops until no connection is busy or the drain's deadline passes.
    private func waitForQuiet(
        _ loops: [EventLoop], on queue: DispatchQueue, then finish: @escaping @Sendable () -> Void
    ) {
        let busy = Locked(0)
        for loop in loops {
            loop.executeAndWait {
                let count = loop.busyConnectionCount
                busy.withLock { $0 += count }
            }
        }
        if busy.withLock({ $0 }) == 0 || MonotonicClock.now() >= drainDeadline.withLock({ $0 }) {
            finish()
        } else {
            queue.asyncAfter(deadline: .now() + .milliseconds(10)) { [self] in
                waitForQuiet(loops, on: queue, then: finish)
            }
        }
    }

    /// The async form of `shutdown(gracePeriod:completion:)`.
    public func shutdown(gracePeriod: Duration) async {
        await withCheckedContinuation { continuation in
            shutdown(gracePeriod: gracePeriod) { continuation.resume() }
        }
    }
}
