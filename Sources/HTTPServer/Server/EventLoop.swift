import CSystem
import Dispatch
import Glibc

/// One per core: a serial queue that owns a set of connections, watched through a private epoll set.
/// Dispatch watches the single epoll descriptor, so each wake-up serves every ready connection of this loop
/// (measured in shared/notes/dispatch-performance.md: far cheaper than one Dispatch source per connection).
///
/// `@unchecked Sendable`: every mutable property is touched only on `queue` (the epoll source, the timer and
/// every `queue.async` block run there), so no two threads ever see it at once.
final class EventLoop: @unchecked Sendable {
    let queue: DispatchQueue
    let context: ServerContext
    var dateCache = HTTPDateCache()
    /// Scratch space for one `recv`; connections copy out what they keep.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    private let epollFD: Int32
    private var source: DispatchSourceRead?
    private var timer: DispatchSourceTimer?
    private var listenerFD: Int32 = -1
    private var connections: [Int32: Connection] = [:]
    private var nextSerial: UInt64 = 0
    private(set) var isDraining = false
    private static let batch = 64
    private let readyFDs = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
    private let readyEvents = UnsafeMutablePointer<UInt32>.allocate(capacity: batch)

    init(index: Int, context: ServerContext) throws(SocketError) {
        queue = DispatchQueue(label: "http.event-loop.\(index)")
        self.context = context
        epollFD = csystem_epoll_create()
        guard epollFD >= 0 else { throw SocketError("epoll_create") }
    }

    deinit {
        close(epollFD)
        readBuffer.deallocate()
        readyFDs.deallocate()
        readyEvents.deallocate()
    }

    /// Starts watching: the shared listening socket (exclusive wake-ups, so one loop takes each connection)
    /// and a timer for the timeouts.
    func start(listener: Int32) throws(SocketError) {
        listenerFD = listener
        guard csystem_epoll_add(epollFD, listener, CSYSTEM_EVENT_READ, 1) == 0 else {
            throw SocketError("epoll_ctl")
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: epollFD, queue: queue)
        source.setEventHandler { [unowned self] in self.serveReadyDescriptors() }
        source.activate()
        self.source = source
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250), leeway: .milliseconds(50))
        timer.setEventHandler { [unowned self] in self.checkTimeouts() }
        timer.activate()
        self.timer = timer
    }

    private func serveReadyDescriptors() {
        let count = csystem_epoll_wait(epollFD, readyFDs, readyEvents, Int32(Self.batch), 0)
        for index in 0..<Int(max(0, count)) {
            let fd = readyFDs[index]
            if fd == listenerFD {
                acceptConnections()
            } else {
                connections[fd]?.handle(events: readyEvents[index])
            }
        }
    }

    private func acceptConnections() {
        // Bounded so one loop cannot starve its own connections during a connection storm.
        for _ in 0..<Self.batch where !isDraining {
            switch Socket.accept(listenerFD) {
            case .accepted(let fd): adopt(fd)
            case .skipped: continue
            case .empty: return
            case .exhausted:
                pauseAccepting()
                return
            }
        }
    }

    private func adopt(_ fd: Int32) {
        guard context.reserveConnection() else {
            context.rejectOverCapacity(fd)
            return
        }
        guard csystem_epoll_add(epollFD, fd, CSYSTEM_EVENT_READ, 0) == 0 else {
            close(fd)
            context.releaseConnection()
            return
        }
        nextSerial += 1
        connections[fd] = Connection(fd: fd, serial: nextSerial, loop: self)
    }

    /// Out of descriptors, the listener stays readable: watching it would spin. Look again shortly,
    /// by when a connection may have closed.
    private func pauseAccepting() {
        _ = csystem_epoll_remove(epollFD, listenerFD)
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
            guard !isDraining, source != nil else { return }
            _ = csystem_epoll_add(epollFD, listenerFD, CSYSTEM_EVENT_READ, 1)
        }
    }

    func watch(_ fd: Int32, events: UInt32) {
        _ = csystem_epoll_modify(epollFD, fd, events)
    }

    /// Called by a connection as it closes its descriptor.
    func forget(_ connection: Connection) {
        _ = csystem_epoll_remove(epollFD, connection.fd)
        connections[connection.fd] = nil
        context.releaseConnection()
    }

    /// The connection an async handler answers, if it is still open (the descriptor may have been reused).
    func connection(fd: Int32, serial: UInt64) -> Connection? {
        guard let connection = connections[fd], connection.serial == serial else { return nil }
        return connection
    }

    private func checkTimeouts() {
        let now = MonotonicClock.now()
        for connection in Array(connections.values) {
            connection.checkTimeouts(now: now)
        }
    }

    // MARK: Shutdown

    /// Stops taking new connections; existing ones finish their current request and then close.
    /// Connections whose handshake already completed are still taken: their clients believe they are connected,
    /// and closing the listener would reset them. Only connections made after this point are refused.
    func beginDrain() {
        acceptConnections()
        isDraining = true
        _ = csystem_epoll_remove(epollFD, listenerFD)
    }

    /// Connections with a request in progress or a response still being written.
    var busyConnectionCount: Int {
        connections.values.reduce(0) { $0 + ($1.isBusy ? 1 : 0) }
    }

    func closeAllConnections() {
        for connection in Array(connections.values) {
            connection.close()
        }
    }

    func stop() {
        closeAllConnections()
        source?.cancel()
        timer?.cancel()
        source = nil
        timer = nil
    }
}
