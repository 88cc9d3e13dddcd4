import CSystem
import Glibc

/// One client connection: reads requests, runs their handlers in order, writes their responses.
/// Lives on its event loop's thread and is only ever touched there.
final class Connection {
    let fd: Int32
    let serial: UInt64
    /// Unchecked: a loop outlives its connections (it closes them all before it stops), and this reference
    /// is followed several times per request.
    private unowned(unsafe) let loop: EventLoop
    /// Unchecked for the same reason: the server's context outlives every loop and connection.
    private unowned(unsafe) let context: ServerContext
    private let maxPendingOutputBytes: Int

    private enum Phase {
        /// Reading and answering requests.
        case open
        /// An async handler is running; later requests wait in the input buffer.
        case awaitingHandler
        /// The last response is queued; the connection closes once it is written.
        case closing
        /// Our side is shut down; unread client bytes are discarded so the close does not reset the response.
        case lingering(until: UInt64)
        case closed
    }

    private var phase = Phase.open
    private var input = InputBuffer()
    /// What this connection has counted against the server's buffer budget.
    private var charged = 0
    /// The body of the request a handler is working on: still held, though no longer in `input`.
    private var handlerBodyBytes = 0
    /// Reading stopped because the server's buffer budget is spent; the loop resumes it when there is room.
    private var waitingForMemory = false
    private var parser: RequestParser
    private var output: [UInt8] = []
    private var outputSent = 0
    private var continueSent = false
    private var peerClosedWrite = false
    private var watchedEvents = CSYSTEM_EVENT_READ
    /// When bytes last moved in either direction.
    private var lastProgress = MonotonicClock.now()
    /// When the first byte of the request being received arrived.
    private var requestStarted: UInt64?
    /// Bytes received since then: with `requestStarted`, how fast this request arrives.
    private var requestBytes = 0
    /// When the body of the request being received started, and its bytes received since.
    private var bodyStarted: UInt64?
    private var bodyBytes = 0
    private let acceptedAt = MonotonicClock.now()
    private var answeredRequests = 0
    /// Looked up once, when first needed.
    private var remote: String?

    private var remoteAddress: String {
        if let remote { return remote }
        let name = Socket.peerName(fd)
        remote = name
        return name
    }

    init(fd: Int32, serial: UInt64, loop: EventLoop) {
        self.fd = fd
        self.serial = serial
        self.loop = loop
        context = loop.context
        maxPendingOutputBytes = loop.context.configuration.maxPendingOutputBytes
        parser = RequestParser(limits: loop.context.configuration.limits)
    }

    private static let lingerTime: UInt64 = 2_000_000_000
    /// Requests answered in one turn before the connection lets the others on its loop go first: a client
    /// pipelining hundreds of requests must not hold up everyone else's.
    private static let requestsPerTurn = 16
    /// Younger connections are never closed to make room: a new client gets the time to send its request.
    private static let evictionGrace: UInt64 = 1_000_000_000

    private var pendingOutput: Int { output.count - outputSent }

    /// Bytes this connection holds for its client, counted against the server's budget; none once closed.
    private var holding: Int {
        if case .closed = phase { return 0 }
        return input.heldBytes + parser.bufferedBodyBytes + handlerBodyBytes + output.count
    }

    /// Too many responses wait for the client: its own limit, or its allowance once the server's budget is spent.
    private var outputIsFull: Bool {
        pendingOutput > maxPendingOutputBytes
            || (pendingOutput > BufferBudget.allowance && !context.budget.hasRoom)
    }

    /// Reading pauses while a handler runs, while the client is not reading its responses, or while the
    /// server has no memory to spare for it.
    private var acceptsInput: Bool {
        if peerClosedWrite || waitingForMemory { return false }
        switch phase {
        case .open: return !outputIsFull
        case .lingering: return true
        case .awaitingHandler, .closing, .closed: return false
        }
    }

    /// Whether closing now would cut off a request or a response (including one the kernel holds unread).
    var isBusy: Bool {
        switch phase {
        case .open: pendingOutput > 0 || !input.isEmpty || !parser.isIdle || hasUnreadBytes()
        case .awaitingHandler, .closing: true
        case .lingering, .closed: false
        }
    }

    // MARK: Events

    func handle(events: UInt32) {
        defer { settleBudget() }
        if events & (CSYSTEM_EVENT_ERROR | CSYSTEM_EVENT_HANGUP) != 0 {
            // The peer is gone in both directions: nothing more can be delivered.
            close()
            return
        }
        if waitingForMemory && events & CSYSTEM_EVENT_PEER_CLOSED != 0 {
            // The rest of its request would have to be read into memory the server does not have, and the
            // client can no longer be slowed down: it goes now rather than hold its bytes until a timeout.
            close()
            return
        }
        if events & CSYSTEM_EVENT_WRITE != 0 {
            flush()
        }
        if events & CSYSTEM_EVENT_READ != 0 {
            readAvailable()
        } else if case .open = phase {
            // Writes drained below the back-pressure bound: answer what is already buffered.
            processInput()
        }
    }

    /// The loop calls this when the connection stopped for its turn or for memory and may go on.
    func continueAfterPause() {
        defer { settleBudget() }
        waitingForMemory = false
        guard case .open = phase else { return }
        processInput()
        updateInterest()
    }

    /// Counts the change in what this connection holds against the server's budget.
    private func settleBudget() {
        let now = holding
        if now != charged {
            context.budget.change(by: now - charged)
            charged = now
        }
    }

    private func readAvailable() {
        guard acceptsInput else { return }
        var room = context.budget.room(holding: holding)
        // Only a body can need more than the allowance to be answered; a client sending many small requests
        // can always be answered from its allowance.
        if room == 0, parser.isReadingBody, pendingOutput == 0, loop.mayOverdraw(self) { room = loop.readBuffer.count }
        if room == 0, case .open = phase {
            waitingForMemory = true
            updateInterest()
            loop.waitForMemory(self)
            return
        }
        let buffer = loop.readBuffer
        let count = recv(fd, buffer.baseAddress, min(buffer.count, max(room, 1)), 0)
        if count > 0 {
            lastProgress = MonotonicClock.now()
            if case .lingering = phase { return }
            if requestStarted == nil { requestStarted = lastProgress }
            requestBytes += count
            if bodyStarted != nil { bodyBytes += count }
            input.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            processInput()
        } else if count == 0 {
            peerClosedWrite = true
            if case .lingering = phase {
                close()
                return
            }
            processInput()
        } else if errno != EAGAIN && errno != EINTR {
            close()
        }
    }

    // MARK: Requests

    /// Answers every complete request in the buffer, in order, writing as it goes. Stops when the next request
    /// is incomplete, a handler is running, or the client has too many unread responses.
    private func processInput() {
        var answered = 0
        var mayContinue = true
        while mayContinue {
            mayContinue = answerBufferedRequests(answered: &answered)
            flush()
            // Room was made only if the flush emptied enough: otherwise a write event resumes us.
            mayContinue = mayContinue && !outputIsFull && answered < Self.requestsPerTurn
        }
        if answered >= Self.requestsPerTurn, case .open = phase, !input.isEmpty {
            loop.resumeSoon(self)
        }
        if case .open = phase, peerClosedWrite, pendingOutput == 0 {
            // The client has finished sending: nothing more will arrive, so a partial request is abandoned.
            close()
        }
    }

    /// True when it stopped only because too much output is queued or its turn is over, with requests
    /// possibly left to answer.
    private func answerBufferedRequests(answered: inout Int) -> Bool {
        while case .open = phase {
            if outputIsFull || answered >= Self.requestsPerTurn { return true }
            do {
                guard case .request(let request) = try parser.parse(&input) else {
                    noteBodyStart()
                    sendContinueIfAwaited()
                    return false
                }
                continueSent = false
                loop.endOverdraft(self)
                answered += 1
                let started = requestStarted ?? MonotonicClock.now()
                requestStarted = input.isEmpty ? nil : MonotonicClock.now()
                requestBytes = input.readableCount
                bodyStarted = nil
                dispatch(request, started: started)
            } catch {
                fail(with: error)
            }
        }
        return false
    }

    /// The body's minimum rate is measured from the end of its head.
    private func noteBodyStart() {
        guard parser.isReadingBody, bodyStarted == nil else { return }
        bodyStarted = MonotonicClock.now()
        bodyBytes = input.readableCount + parser.bufferedBodyBytes
    }

    private func sendContinueIfAwaited() {
        guard parser.awaitsContinuedBody, !continueSent else { return }
        continueSent = true
        output.append(contentsOf: ResponseSerializer.continueLine)
    }

    private func dispatch(_ request: Request, started: UInt64) {
        var request = request
        request.id = loop.requestIDs.id(for: request.headers)
        request.remoteAddress = remoteAddress
        let statistics = context.statistics
        statistics.requestStarted()
        switch context.router.match(method: request.method, path: request.path) {
        case .notFound:
            answer(request, Response.error(.notFound, "not found"), route: nil, started: started)
        case .methodNotAllowed(let allowed):
            let headers = HTTPHeaders([("Allow", allowed.joined(separator: ", "))])
            let response = Response.error(.methodNotAllowed, "method not allowed", headers: headers)
            answer(request, response, route: nil, started: started)
        case .found(let handler, let pattern, let parameters):
            request.pathParameters = parameters
            switch handler {
            case .sync(let handle):
                answer(request, handle(request), route: pattern, started: started)
            case .async(let handle):
                // Counted out when the handler returns, even if the connection closed meanwhile.
                runAsync(handle, request: request, route: pattern, started: started)
                return
            }
        }
        statistics.requestFinished()
    }

    private func runAsync(
        _ handle: @escaping @Sendable (Request) async -> Response, request: Request, route: String, started: UInt64
    ) {
        phase = .awaitingHandler
        handlerBodyBytes = request.body.count
        updateInterest()
        let loop = self.loop
        let fd = self.fd
        let serial = self.serial
        Task(executorPreference: context.handlerExecutor) {
            let response = await handle(request)
            loop.execute {
                loop.context.statistics.requestFinished()
                loop.connection(fd: fd, serial: serial)?.resume(request, response, route: route, started: started)
            }
        }
    }

    private func resume(_ request: Request, _ response: Response, route: String, started: UInt64) {
        guard case .awaitingHandler = phase else { return }
        defer { settleBudget() }
        phase = .open
        handlerBodyBytes = 0
        answer(request, response, route: route, started: started)
        processInput()
    }

    /// Queues the response; the caller flushes.
    private func answer(_ request: Request, _ response: Response, route: String?, started: UInt64) {
        let keepAlive = request.wantsKeepAlive && !loop.isDraining && !peerClosedWrite
        let bytes = ResponseSerializer.serialize(
            response, date: loop.dateCache.current(), requestID: request.id, version: request.version,
            keepAlive: keepAlive, isHead: request.method == "HEAD")
        output.append(contentsOf: bytes)
        answeredRequests += 1
        if !keepAlive { phase = .closing }
        record(
            requestID: request.id, method: request.method, path: request.path, route: route, response: response,
            started: started)
    }

    /// A request that cannot be parsed is answered once and the connection closed: nothing after it on
    /// the stream can be trusted to start a new request.
    private func fail(with error: HTTPParseError) {
        answerAndClose(Response.error(error.status, error.message))
    }

    /// Answers outside any parsed request (a parse error, a timeout), then closes.
    private func answerAndClose(_ response: Response) {
        let requestID = loop.requestIDs.next()
        output.append(
            contentsOf: ResponseSerializer.serialize(
                response, date: loop.dateCache.current(), requestID: requestID, version: .http11, keepAlive: false,
                isHead: false))
        phase = .closing
        record(
            requestID: requestID, method: "-", path: "-", route: nil, response: response,
            started: requestStarted ?? lastProgress)
    }

    private func record(
        requestID: String, method: String, path: String, route: String?, response: Response, started: UInt64
    ) {
        guard let observer = context.observer else { return }
        let elapsed = MonotonicClock.now() &- started
        observer(
            RequestRecord(
                requestID: requestID, method: method, path: path, route: route, status: response.status.code,
                bodyBytes: response.body.count, duration: .nanoseconds(Int64(elapsed)), remote: remoteAddress))
    }

    // MARK: Writing and closing

    private func flush() {
        if case .closed = phase { return }
        while pendingOutput > 0 {
            let sent = output.withUnsafeBytes { bytes in
                send(fd, bytes.baseAddress.map { $0 + outputSent }, pendingOutput, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                outputSent += sent
                lastProgress = MonotonicClock.now()
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && errno == EAGAIN {
                dropSentOutput()
                updateInterest()
                return
            } else {
                close()
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 16 * 1024)
        outputSent = 0
        if case .closing = phase {
            finishClosing()
        } else if case .open = phase, peerClosedWrite {
            close()
        } else {
            updateInterest()
        }
    }

    /// The kernel has taken `outputSent` bytes while the rest waits: they go now rather than stay in memory
    /// until the client has read everything (a client that never reads would keep them forever).
    private func dropSentOutput() {
        guard outputSent >= 16 * 1024 else { return }
        output.removeFirst(outputSent)
        outputSent = 0
    }

    /// Everything is written: send FIN at once, then close, lingering only if the client may still be sending.
    /// When nothing more is coming, `close` sends the FIN itself, after the connection is counted out: a client
    /// that sees the end of its response and asks for /metrics at once never finds itself still counted.
    private func finishClosing() {
        if peerClosedWrite || (input.isEmpty && parser.isIdle && !hasUnreadBytes()) {
            close()
        } else {
            shutdown(fd, Int32(SHUT_WR))
            phase = .lingering(until: MonotonicClock.now() + Self.lingerTime)
            input = InputBuffer()
            updateInterest()
        }
    }

    private func hasUnreadBytes() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) != -1 || errno != EAGAIN
    }

    private func updateInterest() {
        var events: UInt32 = 0
        if acceptsInput { events |= CSYSTEM_EVENT_READ }
        if waitingForMemory { events |= CSYSTEM_EVENT_PEER_CLOSED }
        if pendingOutput > 0 { events |= CSYSTEM_EVENT_WRITE }
        guard events != watchedEvents else { return }
        watchedEvents = events
        loop.watch(fd, events: events)
    }

    func close() {
        if case .closed = phase { return }
        phase = .closed
        settleBudget()
        loop.endOverdraft(self)
        loop.forget(self)
        Glibc.close(fd)
    }

    // MARK: Making room

    /// What closing this connection would cost, when the server is full and a new client arrives; lower is
    /// closed first. Nil when it must stay: a handler is running or a response is being written (useful work),
    /// or it is too young to have sent its request. Lingering and idle keep-alive connections go first, the
    /// longest quiet first; then requests still arriving, the slowest (fewest bytes per second) first.
    func evictionCost(now: UInt64) -> (tier: Int, score: Double)? {
        switch phase {
        case .lingering:
            return (0, 0)
        case .awaitingHandler, .closing, .closed:
            return nil
        case .open:
            guard pendingOutput == 0 else { return nil }
            if answeredRequests > 0, requestStarted == nil, input.isEmpty, parser.isIdle {
                return (1, -Double(now &- lastProgress))
            }
            let since = requestStarted ?? acceptedAt
            guard now &- acceptedAt >= Self.evictionGrace, now > since else { return nil }
            return (2, Double(requestBytes) * 1e9 / Double(now &- since))
        }
    }

    // MARK: Timeouts

    func checkTimeouts(now: UInt64) {
        let timeouts = context.configuration.timeouts
        let quiet = now &- lastProgress
        switch phase {
        case .closed:
            return
        case .lingering(let until):
            if now >= until { close() }
            return
        case .open, .awaitingHandler, .closing:
            if pendingOutput > 0 {
                if quiet > timeouts.write.nanoseconds { close() }
                return
            }
        }
        guard case .open = phase else { return }
        if parser.isReadingBody {
            if quiet > timeouts.body.nanoseconds {
                timeOut("request body timed out")
            } else if let started = bodyStarted, now &- started > allowedBodyTime(timeouts) {
                timeOut("request body too slow")
            }
        } else if let started = requestStarted {
            if now &- started > timeouts.header.nanoseconds { timeOut("request header timed out") }
        } else if quiet > timeouts.idle.nanoseconds {
            close()
        }
    }

    /// The grace period plus the time each byte received has bought, never beyond the body deadline.
    private func allowedBodyTime(_ timeouts: HTTPTimeouts) -> UInt64 {
        let deadline = timeouts.bodyDeadline.nanoseconds
        guard timeouts.bodyMinimumRate > 0 else { return deadline }
        let bought = UInt64(bodyBytes) * 1_000_000_000 / UInt64(timeouts.bodyMinimumRate)
        return min(deadline, timeouts.bodyRateGrace.nanoseconds &+ bought)
    }

    private func timeOut(_ message: String) {
        answerAndClose(Response.error(.requestTimeout, message))
        flush()
        settleBudget()
    }
}
