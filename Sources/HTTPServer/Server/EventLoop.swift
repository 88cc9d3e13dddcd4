import CSystem
import Dispatch
import Glibc
import Locking
import Synchronization

/// One per CPU the process may use: a thread that owns a set of connections and waits for them in its own epoll set.
///
/// A plain thread, not a Dispatch source: libdispatch on Linux hands every readiness event from its manager
/// thread to a worker (an `epoll_ctl` to disarm, a wake-up, an `epoll_ctl` to re-arm), which measured here
/// as 11 system calls per request on one keep-alive connection against 3 for a thread that calls
/// `epoll_wait` itself, and about half nginx's throughput.
///
/// `@unchecked Sendable`: every mutable property except `inbox` (which has its own lock) is touched only on
/// the loop's thread, by the loop itself or by tasks handed over with `execute`.
final class EventLoop: @unchecked Sendable {
    let context: ServerContext
    var dateCache = HTTPDateCache()
    var preparedResponses = PreparedResponses()
    var requestIDs = RequestIDs()
    /// Scratch space for one `recv`; connections copy out what they keep.
    static let readSize = 64 * 1024
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)

    private let index: Int
    private let epollFD: Int32
    /// Readable when `inbox` has tasks for the loop.
    private let wakeFD: Int32
    private let inbox = Locked<[@Sendable () -> Void]>([])
    private let heartbeat = EventLoopHeartbeat()
    /// Connections this loop owns or has been handed and not yet adopted; read by the other loops.
    private let load = Atomic<Int>(0)
    /// Every loop of the server, this one included; set before any starts.
    var siblings: [EventLoop] = []
    private var listenerFD: Int32 = -1
    private var connections = ConnectionTable()
    /// Monotonic nanoseconds when the current batch of events came back from `epoll_wait`: one clock read
    /// per batch rather than several per request. Timeouts are whole seconds; the duration of a request is
    /// measured from this to a clock read of its own.
    private(set) var now: UInt64 = 0
    private var nextSerial: UInt64 = 0
    private enum Phase {
        /// Accepting and serving.
        case serving
        /// The listener is gone; connections already accepted are served until the server stops the loop.
        case draining
        /// The thread ends after the current task.
        case stopped
    }

    private var phase = Phase.serving
    var isDraining: Bool { phase == .draining }
    /// The loop thread's `pthread_self()`, 0 until it runs: lets `executeAndWait` refuse to deadlock.
    private let threadID = Atomic<UInt>(0)
    /// While out of descriptors, accepting waits until this time.
    private var acceptPausedUntil: UInt64?
    /// Connections that ended their turn with requests left to answer: they go on after the others had theirs.
    private var turnsToResume: [Connection] = []
    /// Connections that stopped reading for want of buffer budget: they go on when the server has room.
    private var waitingForMemory: [Connection] = []
    /// The one connection of this loop allowed past the buffer budget's shared part until its request is
    /// complete, when one of the budget's overdrafts is free (see `BufferBudget`).
    private var overdraft: Connection?
    private static let resumedPerTurn = 16
    /// How often connections waiting for memory look again while the server has none to spare.
    private static let memoryPoll: UInt64 = 10_000_000
    private static let batch = 64
    private static let tick: UInt64 = 250_000_000
    private let readyFDs = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
    private let readyEvents = UnsafeMutablePointer<UInt32>.allocate(capacity: batch)

    init(index: Int, context: ServerContext) throws(SystemCallError) {
        self.index = index
        self.context = context
        // The descriptors are stored only when both exist: once every property is set, throwing runs the
        // deinit, which would close the epoll descriptor a second time, by then perhaps another thread's.
        let epollFD = csystem_epoll_create()
        guard epollFD >= 0 else { throw SystemCallError("epoll_create") }
        let wakeFD = csystem_wake_create()
        guard wakeFD >= 0 else {
            close(epollFD)
            throw SystemCallError("eventfd")
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        readBuffer.deallocate()
        readyFDs.deallocate()
        readyEvents.deallocate()
    }

    /// Starts the loop's thread, watching the shared listening socket (exclusive wake-ups, so one loop takes
    /// each connection).
    func start(listener: Int32) throws(SystemCallError) {
        listenerFD = listener
        guard csystem_epoll_add(epollFD, wakeFD, CSYSTEM_EVENT_READ, 0) == 0,
            csystem_epoll_add(epollFD, listener, CSYSTEM_EVENT_READ, 1) == 0
        else { throw SystemCallError("epoll_ctl") }
        heartbeat.beat(at: MonotonicClock.now())
        try spawnThread(named: "http-loop-\(index)") { [self] in run() }
        context.statistics.register(heartbeat)
    }

    // MARK: Work from other threads

    /// Runs `task` on the loop's thread, soon.
    func execute(_ task: @escaping @Sendable () -> Void) {
        let wasEmpty = inbox.withLock { tasks in
            tasks.append(task)
            return tasks.count == 1
        }
        // Only the first task needs to wake the loop: it takes the whole inbox at once.
        if wasEmpty { csystem_wake_signal(wakeFD) }
    }

    /// Runs `task` on the loop's thread and waits until it has run. From the loop's own thread it would wait for
    /// itself forever: that is a bug in the server, stopped here rather than hung.
    func executeAndWait(_ task: @escaping @Sendable () -> Void) {
        precondition(
            threadID.load(ordering: .relaxed) != UInt(pthread_self()), "executeAndWait called on the loop's own thread")
        let done = DispatchSemaphore(value: 0)
        execute {
            task()
            done.signal()
        }
        done.wait()
    }

    private func runInbox() {
        csystem_wake_clear(wakeFD)
        let tasks = inbox.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in tasks { task() }
    }

    // MARK: The loop

    private func run() {
        now = MonotonicClock.now()
        var nextTick = now + Self.tick
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        while phase != .stopped {
            var wakeAt = min(nextTick, acceptPausedUntil ?? .max)
            if !waitingForMemory.isEmpty { wakeAt = min(wakeAt, now + Self.memoryPoll) }
            if !turnsToResume.isEmpty { wakeAt = now }
            let timeout = wakeAt > now ? Int32(clamping: (wakeAt - now) / 1_000_000 + 1) : 0
            let count = csystem_epoll_wait(epollFD, readyFDs, readyEvents, Int32(Self.batch), timeout)
            now = MonotonicClock.now()
            heartbeat.beat(at: now)
            for index in 0..<Int(max(0, count)) {
                let fd = readyFDs[index]
                if fd == wakeFD {
                    runInbox()
                } else if fd == listenerFD && !isDraining {
                    acceptConnection()
                } else {
                    connections[fd]?.handle(events: readyEvents[index])
                }
            }
            resumeWaitingConnections()
            if let until = acceptPausedUntil, now >= until { resumeAccepting() }
            if now >= nextTick {
                checkTimeouts(now: now)
                nextTick = now + Self.tick
            }
        }
    }

    private func resumeWaitingConnections() {
        if !turnsToResume.isEmpty {
            let resuming = turnsToResume
            turnsToResume = []
            for connection in resuming { connection.continueAfterPause() }
        }
        // A few at a time, first come first served: waking hundreds for a little room would cost each of them
        // two epoll_ctl calls to learn that it must wait again. With the budget spent, the loop's overdraft,
        // when free, goes to the first in line: bodies half-read into a full budget would otherwise wait for
        // one another until their timeouts.
        let resumable = context.budget.hasRoom ? Self.resumedPerTurn : (overdraft == nil ? 1 : 0)
        if !waitingForMemory.isEmpty && resumable > 0 {
            let resuming = waitingForMemory.prefix(resumable)
            waitingForMemory.removeFirst(resuming.count)
            for connection in resuming { connection.continueAfterPause() }
        }
    }

    /// `connection` answered its share of pipelined requests for this turn.
    func resumeSoon(_ connection: Connection) {
        turnsToResume.append(connection)
    }

    /// Whether `connection` may read with the budget spent: it, or no other, holds this loop's overdraft.
    func mayOverdraw(_ connection: Connection) -> Bool {
        if overdraft == nil, context.budget.takeOverdraft() { overdraft = connection }
        return overdraft === connection
    }

    func endOverdraft(_ connection: Connection) {
        guard overdraft === connection else { return }
        overdraft = nil
        context.budget.returnOverdraft()
    }

    /// `connection` stopped reading until the server's buffer budget has room.
    func waitForMemory(_ connection: Connection) {
        waitingForMemory.append(connection)
    }

    /// Takes one connection per readiness of the listener, as nginx does by default. The listener is
    /// level-triggered, so others waiting wake the next `epoll_wait` at once, beside the loop's own events
    /// (a connection storm cannot starve them); and a client that connects alone costs no accept4 that finds
    /// the queue empty. Returns whether another may be waiting.
    @discardableResult
    private func acceptConnection() -> Bool {
        switch Socket.accept(listenerFD) {
        case .accepted(let fd, let peer):
            findRoom(for: fd, peer: peer)
            return true
        case .skipped:
            return true
        case .empty:
            return false
        case .exhausted:
            context.statistics.countOutOfDescriptors()
            pauseAccepting()
            return false
        }
    }

    /// At the connection limit, room is made by closing the least useful connection of the whole server. The
    /// newcomer goes round the loops twice, each looking among its own connections: first for one that is
    /// closing anyway or has sent nothing, then for an idle keep-alive one or a request arriving below the
    /// minimum rate. So a connection that sent nothing is closed on any loop before an idle one on this loop.
    /// Handed on, never waited for, so two loops asking each other cannot deadlock. Only when no loop has such a
    /// connection is the client turned away.
    private func findRoom(
        for fd: Int32, peer: String, askedSoFar: Int = 0,
        upToTier tier: Int = ConnectionStateMachine.EvictionTier.silent
    ) {
        if context.reserveConnection() || (closeLeastUsefulConnection(upToTier: tier) && context.reserveConnection()) {
            spread(fd, peer: peer)
        } else if askedSoFar < siblings.count - 1 {
            let next = siblings[(index + 1) % siblings.count]
            next.execute { [next] in
                next.findRoom(for: fd, peer: peer, askedSoFar: askedSoFar + 1, upToTier: tier)
            }
        } else if tier < ConnectionStateMachine.EvictionTier.belowMinimumRate {
            findRoom(
                for: fd, peer: peer, askedSoFar: 0, upToTier: ConnectionStateMachine.EvictionTier.belowMinimumRate)
        } else {
            context.rejectOverCapacity(fd, requestID: requestIDs.next())
        }
    }

    /// Gives a connection that has its place in the server's count to the loop with the fewest. The loop the
    /// kernel woke for the listener keeps being woken while connections wait, so without this a burst of them
    /// (a load test's, a proxy's pool) lands on one loop and one core while the others idle.
    private func spread(_ fd: Int32, peer: String) {
        var target = self
        var fewest = load.load(ordering: .relaxed)
        for sibling in siblings where sibling !== self {
            let count = sibling.load.load(ordering: .relaxed)
            if count < fewest {
                target = sibling
                fewest = count
            }
        }
        target.load.wrappingAdd(1, ordering: .relaxed)
        if target === self {
            adopt(fd, peer: peer)
        } else {
            target.execute { [target] in target.adopt(fd, peer: peer) }
        }
    }

    /// At the connection limit, a new client is worth more than a connection that has sent nothing or an idle
    /// keep-alive one: closing the least useful of this loop's connections, of `tier` or below, keeps clients
    /// that hold connections without using them from locking everyone else out. False when there is none.
    private func closeLeastUsefulConnection(upToTier tier: Int) -> Bool {
        let now = MonotonicClock.now()
        var victim: Connection?
        var lowest: (tier: Int, score: Double)?
        for connection in connections.all {
            guard let cost = connection.evictionCost(now: now), cost.tier <= tier else { continue }
            if let current = lowest, current <= cost { continue }
            victim = connection
            lowest = cost
        }
        guard let victim else { return false }
        victim.close()
        context.statistics.countEvicted()
        return true
    }

    /// Takes a connection already counted in `load` and in the server's open connections.
    private func adopt(_ fd: Int32, peer: String) {
        guard csystem_epoll_add(epollFD, fd, CSYSTEM_EVENT_READ, 0) == 0 else {
            close(fd)
            load.wrappingSubtract(1, ordering: .relaxed)
            context.releaseConnection()
            return
        }
        nextSerial += 1
        connections[fd] = Connection(fd: fd, serial: nextSerial, remoteAddress: peer, loop: self)
    }

    /// Out of descriptors, the listener stays readable: watching it would spin. Look again shortly,
    /// by when a connection may have closed.
    private func pauseAccepting() {
        _ = csystem_epoll_remove(epollFD, listenerFD)
        acceptPausedUntil = MonotonicClock.now() + 100_000_000
    }

    private func resumeAccepting() {
        acceptPausedUntil = nil
        guard !isDraining else { return }
        _ = csystem_epoll_add(epollFD, listenerFD, CSYSTEM_EVENT_READ, 1)
    }

    func watch(_ fd: Int32, events: UInt32) {
        _ = csystem_epoll_modify(epollFD, fd, events)
    }

    /// Called by a connection as it closes its descriptor.
    func forget(_ connection: Connection) {
        // No epoll_ctl: closing the descriptor, which follows at once, takes it out of the epoll set.
        connections[connection.fd] = nil
        load.wrappingSubtract(1, ordering: .relaxed)
        context.releaseConnection()
    }

    /// The connection an async handler answers, if it is still open (the descriptor may have been reused).
    func connection(fd: Int32, serial: UInt64) -> Connection? {
        guard let connection = connections[fd], connection.serial == serial else { return nil }
        return connection
    }

    private func checkTimeouts(now: UInt64) {
        for connection in connections.all {
            connection.checkTimeouts(now: now)
        }
    }

    // MARK: Shutdown (each runs on the loop's thread, through `execute`)

    /// Stops taking new connections; existing ones finish their current request and then close.
    /// Connections whose handshake already completed are still taken: their clients believe they are connected,
    /// and closing the listener would reset them. Only connections made after this point are refused.
    func beginDrain() {
        var taken = 0
        while taken < Self.batch && acceptConnection() { taken += 1 }
        phase = .draining
        _ = csystem_epoll_remove(epollFD, listenerFD)
    }

    /// Connections with a request in progress or a response still being written.
    var busyConnectionCount: Int {
        connections.all.reduce(0) { $0 + ($1.isBusy ? 1 : 0) }
    }

    /// Closes every connection and ends the thread once the current task returns.
    func stop() {
        for connection in connections.all {
            connection.close()
        }
        _ = csystem_epoll_remove(epollFD, listenerFD)
        // The loops refer to one another; this breaks the cycle so each can be freed.
        siblings = []
        phase = .stopped
        heartbeat.stop()
    }
}
