import CSystem
import Glibc

/// One client connection: the socket, and the loop's shared resources, around a `ConnectionStateMachine`.
/// It reads and writes, and does what the machine decides. Lives on its event loop's thread and is only ever
/// touched there.
final class Connection {
    let fd: Int32
    let serial: UInt64
    /// Unchecked: a loop outlives its connections (it closes them all before it stops), and this reference
    /// is followed several times per request.
    private unowned(unsafe) let loop: EventLoop
    /// Unchecked for the same reason: the server's context outlives every loop and connection.
    private unowned(unsafe) let context: ServerContext
    private var machine: ConnectionStateMachine
    /// What this connection has counted against the server's buffer budget.
    private var charged = 0
    /// The async handler running for this connection, cancelled if the connection closes first: a handler
    /// that honours cancellation (`Task.sleep` does) then lets go of the request's body at once.
    private var handler: Task<Void, Never>?
    /// The streamed body being written, if any.
    private var streaming: StreamedAnswer?
    /// The last response's `afterClose`, run when the connection closes.
    private var afterClose: (@Sendable () -> Void)?

    /// A stream, and what the access record needs once it is complete: the request without its body, which
    /// is not held for as long as the stream lasts.
    private struct StreamedAnswer {
        let stream: BodyStream
        let request: Request
        let route: String?
        let status: HTTPStatus
        let started: UInt64
        var bytes = 0
    }

    /// The peer's address as text, from the accept.
    private let remoteAddress: String

    init(fd: Int32, serial: UInt64, remoteAddress: String, loop: EventLoop) {
        self.fd = fd
        self.serial = serial
        self.remoteAddress = remoteAddress
        self.loop = loop
        context = loop.context
        let configuration = loop.context.configuration
        machine = ConnectionStateMachine(
            limits: configuration.limits, timeouts: configuration.timeouts,
            maxPendingOutputBytes: configuration.maxPendingOutputBytes, budget: loop.context.budget,
            now: loop.now)
    }

    /// Whether closing now would cut off a request or a response (including one the kernel holds unread).
    var isBusy: Bool { machine.isBusy(unreadBytes: hasUnreadBytes) }

    /// Nil, too, for a connection whose client has sent bytes the loop has not read yet: it is not silent or
    /// idle, only not looked at yet (a burst of connections is accepted before any of them is read).
    func evictionCost(now: UInt64) -> (tier: Int, score: Double)? {
        guard let cost = machine.evictionCost(now: now) else { return nil }
        return cost.tier == ConnectionStateMachine.EvictionTier.closing || !hasUnreadBytes() ? cost : nil
    }

    private var isOpen: Bool { machine.state == .open }

    // MARK: Events

    func handle(events: UInt32) {
        defer { settleBudget() }
        if events & (CSYSTEM_EVENT_ERROR | CSYSTEM_EVENT_HANGUP) != 0 {
            // The peer is gone in both directions: nothing more can be delivered.
            close()
            return
        }
        if machine.goesWhenThePeerLeaves && events & CSYSTEM_EVENT_PEER_CLOSED != 0 {
            // It goes now, with its bytes and its slot, rather than at a timeout or when its handler returns.
            close()
            return
        }
        if events & CSYSTEM_EVENT_WRITE != 0 {
            flush()
        }
        if events & CSYSTEM_EVENT_READ != 0 {
            readAvailable()
        } else if isOpen {
            // Writes drained below the back-pressure bound: answer what is already buffered.
            processInput()
        }
    }

    /// The loop calls this when the connection stopped for its turn or for memory and may go on.
    func continueAfterPause() {
        defer { settleBudget() }
        machine.memoryAvailable()
        if streaming != nil {
            pullNextPiece()
            updateInterest()
            return
        }
        guard isOpen else { return }
        processInput()
        updateInterest()
    }

    /// Counts the change in what this connection holds against the server's budget.
    private func settleBudget() {
        let now = machine.holding
        if now != charged {
            context.budget.change(by: now - charged)
            charged = now
        }
    }

    private func readAvailable() {
        guard machine.acceptsInput else { return }
        var room = context.budget.room(holding: machine.holding)
        if room == 0, machine.mayOverdraw, loop.mayOverdraw(self) { room = loop.readBuffer.count }
        if room == 0, isOpen {
            machine.pauseForMemory()
            updateInterest()
            loop.waitForMemory(self)
            return
        }
        let buffer = loop.readBuffer
        let count = recv(fd, buffer.baseAddress, min(buffer.count, max(room, 1)), 0)
        if count > 0 {
            machine.received(UnsafeRawBufferPointer(rebasing: buffer[..<count]), now: loop.now)
            if case .lingering = machine.state { return }
            processInput()
        } else if count == 0 {
            if machine.peerClosed() {
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
    /// is incomplete, a handler is running, the client has too many unread responses, or its turn is over.
    private func processInput() {
        machine.startTurn()
        var stop = answerBufferedRequests()
        flush()
        // Room was made only if the flush emptied enough: otherwise a write event resumes us.
        while case .outputFull = stop, !machine.outputIsFull {
            stop = answerBufferedRequests()
            flush()
        }
        if case .turnOver = stop, machine.hasBufferedRequests { loop.resumeSoon(self) }
        // The client has finished sending: nothing more will arrive, so a partial request is abandoned.
        if machine.isFinished { close() }
    }

    /// Dispatches requests until the machine says why it stops.
    private func answerBufferedRequests() -> ConnectionStateMachine.Next {
        while true {
            var next = machine.nextRequest(now: loop.now)
            switch next {
            case .request(let request, let started):
                // The request must be the only holder of its fields, or the server's first change to it (its
                // id) would copy them all: the copy in `next` goes before it is dispatched.
                next = .needInput
                dispatch(request, started: started)
                // A body handed to a running handler is still held: the overdraft that let it in passes to
                // another connection only once the handler lets go of it (in `resume`).
                if machine.state != .awaitingHandler { loop.endOverdraft(self) }
            case .malformed(let error):
                // Nothing after it on the stream can be trusted to start a new request.
                answerAndClose(Response.error(error.status, error.message))
            case .needInput, .turnOver, .outputFull, .notOpen:
                return next
            }
        }
    }

    private func dispatch(_ request: consuming Request, started: UInt64) {
        // In place: the server's own fields, written before any handler sees the request.
        request.storage.requestID = loop.requestIDs.id(for: request)
        request.storage.remoteAddress = remoteAddress
        switch context.dispatcher.dispatch(request) {
        case .answered(let response, let route):
            answer(request, response, route: route, started: started)
        case .handOff(let handle, let route):
            runAsync(handle, request: request, route: route, started: started)
        }
    }

    private func runAsync(
        _ handle: @escaping @Sendable (Request) async -> Response, request: Request, route: String, started: UInt64
    ) {
        machine.handlerStarted(bodyBytes: request.body.count)
        updateInterest()
        let loop = self.loop
        let fd = self.fd
        let serial = self.serial
        handler = Task(executorPreference: context.handlerExecutor) {
            let response = await handle(request)
            loop.execute {
                loop.context.dispatcher.handlerFinished()
                loop.connection(fd: fd, serial: serial)?.resume(request, response, route: route, started: started)
            }
        }
    }

    private func resume(_ request: Request, _ response: Response, route: String, started: UInt64) {
        handler = nil
        loop.endOverdraft(self)
        guard machine.handlerFinished() else { return }
        defer { settleBudget() }
        answer(request, response, route: route, started: started)
        processInput()
    }

    /// Queues the response (or, for a stream, its head); the caller flushes.
    private func answer(_ request: Request, _ response: Response, route: String?, started: UInt64) {
        // Worked out before the machine is read: a call in its arguments would have Swift copy it first.
        let wanted = request.wantsKeepAlive
        let draining = loop.isDraining
        let isHead = request.storage.isHead
        // Without chunks (HTTP/1.0), only the end of the connection can end a stream.
        let keepAlive =
            machine.keepsAlive(wanted: wanted, draining: draining)
            && (response.stream == nil || request.version == .http11) && response.afterClose == nil
        if let action = response.afterClose { afterClose = action }
        let date = loop.dateCache.current()
        // Through `self`, which a closure that does not escape borrows: a copy of `loop` would be counted.
        let write = { (output: inout [UInt8]) in
            self.loop.preparedResponses.serialize(
                response, date: date, requestID: request.requestID, version: request.version, keepAlive: keepAlive,
                isHead: isHead, into: &output)
        }
        if let stream = response.stream, !isHead, response.status.allowsBody, !response.status.isReset {
            var withoutBody = request
            if !withoutBody.body.isEmpty { withoutBody.body = [] }
            streaming = StreamedAnswer(
                stream: stream, request: withoutBody, route: route, status: response.status, started: started)
            machine.startStream(chunked: request.version == .http11, keepAlive: keepAlive, writeHead: write)
            return
        }
        machine.queue(keepAlive: keepAlive, write: write)
        context.dispatcher.record(
            request, route: route, status: response.status, bodyBytes: response.body.count, started: started,
            now: MonotonicClock.now())
    }

    // MARK: Streamed bodies

    /// Asks the stream for its next piece once the last is written, when the budget has room for one; the
    /// loop resumes it (`continueAfterPause`) when it had none.
    private func pullNextPiece() {
        guard let stream = streaming?.stream, machine.wantsPiece else { return }
        if context.budget.room(holding: machine.holding) < stream.maxPieceBytes {
            machine.pauseForMemory()
            loop.waitForMemory(self)
            return
        }
        machine.pieceRequested(reserving: stream.maxPieceBytes)
        settleBudget()
        let loop = self.loop
        let fd = self.fd
        let serial = self.serial
        handler = Task(executorPreference: context.handlerExecutor) {
            let piece: Result<[UInt8]?, any Error>
            do {
                piece = .success(try await stream.nextPiece())
            } catch {
                piece = .failure(error)
            }
            loop.execute { loop.connection(fd: fd, serial: serial)?.pieceArrived(piece) }
        }
    }

    private func pieceArrived(_ piece: Result<[UInt8]?, any Error>) {
        handler = nil
        defer { settleBudget() }
        guard var answer = streaming else { return }
        switch piece {
        case .success(let bytes?):
            answer.bytes += bytes.count
            streaming = answer
            machine.queuePiece(bytes)
            flush()
        case .success(nil):
            streaming = nil
            machine.endStream()
            recordStream(answer)
            processInput()
        case .failure:
            // The producer says what failed; the client sees its body cut short.
            close()
        }
    }

    private func recordStream(_ answer: StreamedAnswer) {
        context.dispatcher.record(
            answer.request, route: answer.route, status: answer.status, bodyBytes: answer.bytes,
            started: answer.started, now: MonotonicClock.now())
    }

    /// Answers outside any parsed request (a parse error, a timeout); the connection closes once it is written.
    private func answerAndClose(_ response: Response) {
        let requestID = loop.requestIDs.next()
        let date = loop.dateCache.current()
        machine.queue(keepAlive: false) { output in
            ResponseSerializer.serialize(
                response, date: date, requestID: requestID, version: .http11, keepAlive: false, isHead: false,
                into: &output)
        }
        // No request was parsed: the record stands for one with "-" for its method and path.
        let unparsed = Request(method: "-", target: "-", path: "-")
        unparsed.storage.requestID = requestID
        unparsed.storage.remoteAddress = remoteAddress
        context.dispatcher.record(
            unparsed, route: nil, status: response.status, bodyBytes: response.body.count,
            started: machine.currentRequestStart, now: MonotonicClock.now())
    }

    // MARK: Writing and closing

    private func flush() {
        if machine.state == .closed { return }
        while machine.pendingOutput > 0 {
            let sent = machine.sendPending { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                machine.wrote(sent, now: loop.now)
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && errno == EAGAIN {
                machine.writeBlocked()
                updateInterest()
                return
            } else {
                close()
                return
            }
        }
        // When nothing more is coming, `close` sends the FIN itself, after the connection is counted out: a
        // client that sees the end of its response and asks for /metrics at once never finds itself still counted.
        switch machine.drained(now: loop.now, unreadBytes: hasUnreadBytes) {
        case .keepOpen:
            pullNextPiece()
            updateInterest()
        case .close:
            close()
        case .linger:
            shutdown(fd, Int32(SHUT_WR))
            updateInterest()
        }
    }

    /// Whether the client sent bytes not read yet. Its end of stream is not: a client that reads its answer and
    /// closes at once (`Connection: close`) is often gone before this asks, and waiting for more from it
    /// would only cost a shutdown, a wake-up and a read. Nor is an error: the connection is dead either way.
    private func hasUnreadBytes() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    private func updateInterest() {
        if let events = machine.interestChange() { loop.watch(fd, events: events) }
    }

    func close() {
        if machine.state == .closed { return }
        handler?.cancel()
        handler = nil
        if let answer = streaming {
            streaming = nil
            recordStream(answer)
        }
        machine.closed()
        settleBudget()
        loop.endOverdraft(self)
        loop.forget(self)
        Glibc.close(fd)
        if let action = afterClose {
            afterClose = nil
            action()
        }
    }

    // MARK: Timeouts

    func checkTimeouts(now: UInt64) {
        switch machine.timerFired(now: now) {
        case .none:
            return
        case .close:
            close()
        case .timeOut(let message):
            answerAndClose(Response.error(.requestTimeout, message))
            flush()
            settleBudget()
        }
    }
}
