import CSystem

/// The protocol state of one HTTP/1.1 connection, with no I/O and no clock of its own: `Connection` tells it
/// what happened (bytes arrived, bytes were written, a handler finished, the peer closed, time passed), always
/// with the current time, and does what it answers (write, watch for these events, run this request, close,
/// linger). Every timeout and every transition is therefore tested with made-up times (nanoseconds on the monotonic clock).
struct ConnectionStateMachine {
    enum State: Equatable {
        /// Reading and answering requests.
        case open
        /// A handler is running; later requests wait in the input buffer and reading pauses.
        case awaitingHandler
        /// A streamed body is being written, piece by piece; later requests wait as while a handler runs.
        case streaming
        /// The last response is queued; the connection closes once it is written.
        case closing
        /// Our side is shut down; unread client bytes are discarded so the close does not reset the response.
        case lingering(until: UInt64)
        case closed
    }

    /// What to do with the next buffered request, or why there is none.
    enum Next {
        case request(Request, started: UInt64)
        /// The bytes are not an HTTP request: answer this once, then close.
        case malformed(HTTPParseError)
        /// The rest of a request has yet to arrive.
        case needInput
        /// This turn is over: the others on the loop go first.
        case turnOver
        /// Too many responses wait for the client: go on once some are written.
        case outputFull
        /// Not open: a handler runs, or the connection is closing.
        case notOpen
    }

    /// What a timer tick decided.
    enum TimerAction: Equatable {
        case none
        case close
        /// Answer 408 with this message, then close.
        case timeOut(String)
    }

    /// What to do once every queued byte is written.
    enum AfterDrain: Equatable {
        case keepOpen
        case close
        /// Shut down our side and discard what the client still sends until `until`, then close.
        case linger(until: UInt64)
    }

    static let lingerTime: UInt64 = 2_000_000_000
    /// Requests answered in one turn before the connection lets the others on its loop go first: a client
    /// pipelining hundreds of requests must not hold up everyone else's.
    static let requestsPerTurn = 16
    /// Written bytes are dropped from the front of the output once this many wait there.
    static let compactionThreshold = 16 * 1024

    private(set) var state = State.open
    /// The events the loop watches the socket for (a new connection is watched for reading).
    private var watchedEvents = CSYSTEM_EVENT_READ
    private var input = InputBuffer()
    private var parser: RequestParser
    private var output: [UInt8] = []
    private var outputSent = 0
    /// The body of the request a handler is working on: still held, though no longer in `input`.
    private var handlerBodyBytes = 0
    /// What the streamed body's next piece may take, reserved while it is produced.
    private var pieceReserved = 0
    private var streamIsChunked = false
    private var streamKeepsAlive = false
    /// Reading stopped because the server's buffer budget is spent; the loop resumes it when there is room.
    private(set) var waitingForMemory = false
    private(set) var peerClosedWrite = false
    private var continueSent = false
    /// When bytes last moved in either direction.
    private var lastProgress: UInt64
    /// When the first byte of the request being received arrived, and the bytes received since.
    private var requestStarted: UInt64?
    private var requestBytes = 0
    /// When the body of the request being received started, and its bytes received since.
    private var bodyStarted: UInt64?
    private var bodyBytes = 0
    private let acceptedAt: UInt64
    private var answeredRequests = 0
    private var answeredThisTurn = 0
    private let timeouts: HTTPTimeouts
    private let maxPendingOutputBytes: Int
    /// The server's memory for all connections: read (never changed) here, and only when a decision needs it.
    private let budget: BufferBudget

    init(limits: HTTPLimits, timeouts: HTTPTimeouts, maxPendingOutputBytes: Int, budget: BufferBudget, now: UInt64) {
        parser = RequestParser(limits: limits)
        self.timeouts = timeouts
        self.maxPendingOutputBytes = maxPendingOutputBytes
        self.budget = budget
        acceptedAt = now
        lastProgress = now
    }

    // MARK: What it holds and wants

    @inline(__always)
    var pendingOutput: Int { output.count - outputSent }

    /// Bytes this connection holds for its client; none once closed.
    @inline(__always)
    var holding: Int {
        if case .closed = state { return 0 }
        return input.heldBytes + parser.bufferedBodyBytes + handlerBodyBytes + pieceReserved + output.count
    }

    /// Only a body can need more than the allowance to be answered: a client sending many small requests can
    /// always be answered from its allowance.
    @inline(__always)
    var mayOverdraw: Bool { parser.isReadingBody && pendingOutput == 0 }

    /// Too many responses wait for the client: its own limit, or its allowance once the server's budget is spent.
    @inline(__always)
    var outputIsFull: Bool {
        pendingOutput > maxPendingOutputBytes || (pendingOutput > budget.allowance && !budget.hasRoom)
    }

    /// Reading pauses while a handler runs, while the client is not reading its responses, or while the
    /// server has no memory to spare for it.
    @inline(__always)
    var acceptsInput: Bool {
        if peerClosedWrite || waitingForMemory { return false }
        switch state {
        case .open: return !outputIsFull
        case .lingering: return true
        case .awaitingHandler, .streaming, .closing, .closed: return false
        }
    }

    /// The events to watch the socket for.
    @inline(__always)
    var interest: UInt32 {
        var events: UInt32 = 0
        if acceptsInput { events |= CSYSTEM_EVENT_READ }
        if goesWhenThePeerLeaves { events |= CSYSTEM_EVENT_PEER_CLOSED }
        if pendingOutput > 0 { events |= CSYSTEM_EVENT_WRITE }
        return events
    }

    /// A client that closes its side now is taken as gone, as nginx and Go's server take it: while its request
    /// waits for memory, the rest of it could only be read into memory the server does not have; while its
    /// handler runs, the answer has nobody to go to, and the handler holds its body and a connection slot for
    /// nothing.
    var goesWhenThePeerLeaves: Bool { waitingForMemory || state == .awaitingHandler || state == .streaming }

    /// The events to watch for, when they differ from what the loop watches now; the loop is then assumed to
    /// watch them. A mutating method rather than a comparison in the connection: reading `interest` from the
    /// connection would copy the whole machine out of it first (its budget check calls into a class).
    mutating func interestChange() -> UInt32? {
        let events = interest
        guard events != watchedEvents else { return nil }
        watchedEvents = events
        return events
    }

    /// Whether closing now would cut off a request or a response; `unreadBytes` asks the kernel whether the
    /// client sent more than was read.
    func isBusy(unreadBytes: () -> Bool) -> Bool {
        switch state {
        case .open: pendingOutput > 0 || !input.isEmpty || !parser.isIdle || unreadBytes()
        case .awaitingHandler, .streaming, .closing: true
        case .lingering, .closed: false
        }
    }

    /// Answered requests may still be buffered after a turn: the loop should come back to them.
    @inline(__always)
    var hasBufferedRequests: Bool { state == .open && !input.isEmpty }

    /// The client finished sending and has every answer: nothing more can happen on this connection.
    @inline(__always)
    var isFinished: Bool { state == .open && peerClosedWrite && pendingOutput == 0 }

    // MARK: Input

    mutating func received(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        lastProgress = now
        if case .lingering = state { return }
        if requestStarted == nil { requestStarted = now }
        requestBytes += bytes.count
        if bodyStarted != nil { bodyBytes += bytes.count }
        input.append(bytes)
    }

    /// The client shut down its side. True when the connection should close at once (it was lingering).
    mutating func peerClosed() -> Bool {
        peerClosedWrite = true
        if case .lingering = state { return true }
        return false
    }

    mutating func pauseForMemory() { waitingForMemory = true }

    /// The loop found memory for it again.
    mutating func memoryAvailable() { waitingForMemory = false }

    /// Counts the requests answered from here against `requestsPerTurn`.
    mutating func startTurn() { answeredThisTurn = 0 }

    // MARK: Requests

    /// `now` is read only when a request completes or its body starts.
    mutating func nextRequest(now: @autoclosure () -> UInt64) -> Next {
        guard case .open = state else { return .notOpen }
        if outputIsFull { return .outputFull }
        if answeredThisTurn >= Self.requestsPerTurn { return .turnOver }
        do {
            guard case .request(let request) = try parser.parse(&input) else {
                if parser.isReadingBody && bodyStarted == nil { noteBodyStart(now: now()) }
                sendContinueIfAwaited()
                return .needInput
            }
            continueSent = false
            answeredThisTurn += 1
            let started = requestStarted ?? now()
            requestStarted = input.isEmpty ? nil : now()
            requestBytes = input.readableCount
            bodyStarted = nil
            return .request(request, started: started)
        } catch {
            return .malformed(error)
        }
    }

    /// Whether the answer to a request that wants keep-alive may leave the connection open.
    @inline(__always)
    func keepsAlive(wanted: Bool, draining: Bool) -> Bool {
        wanted && !draining && !peerClosedWrite
    }

    /// Queues a response, which `write` appends to the output buffer; without keep-alive it is the last.
    mutating func queue(keepAlive: Bool, write: (inout [UInt8]) -> Void) {
        write(&output)
        answeredRequests += 1
        if !keepAlive { state = .closing }
    }

    /// Queues the head of a streamed response, written by `writeHead`; its pieces follow with `queuePiece`,
    /// and `endStream` ends it. Unchunked, the body ends where the connection does.
    mutating func startStream(chunked: Bool, keepAlive: Bool, writeHead: (inout [UInt8]) -> Void) {
        writeHead(&output)
        answeredRequests += 1
        streamIsChunked = chunked
        streamKeepsAlive = keepAlive && chunked
        state = .streaming
    }

    /// The stream's last piece is written and no other is being produced: time to ask for the next.
    @inline(__always)
    var wantsPiece: Bool { state == .streaming && pendingOutput == 0 && pieceReserved == 0 }

    /// The next piece is being produced, and may take up to `bytes`.
    mutating func pieceRequested(reserving bytes: Int) { pieceReserved = bytes }

    mutating func queuePiece(_ piece: [UInt8]) {
        pieceReserved = 0
        // An empty chunk would end the body.
        guard state == .streaming, !piece.isEmpty else { return }
        if streamIsChunked {
            output.append(contentsOf: Array(String(piece.count, radix: 16).utf8))
            output.append(contentsOf: Self.crlf)
        }
        output.append(contentsOf: piece)
        if streamIsChunked { output.append(contentsOf: Self.crlf) }
    }

    /// The stream is complete: the connection goes back to reading requests, or closes once it is written.
    mutating func endStream() {
        pieceReserved = 0
        guard state == .streaming else { return }
        if streamIsChunked { output.append(contentsOf: Self.lastChunk) }
        state = streamKeepsAlive ? .open : .closing
    }

    private static let crlf: [UInt8] = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
    private static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// A handler takes the request; its body is held until it returns.
    mutating func handlerStarted(bodyBytes: Int) {
        state = .awaitingHandler
        handlerBodyBytes = bodyBytes
    }

    /// False when nothing waited for the handler any more (the connection closed meanwhile).
    mutating func handlerFinished() -> Bool {
        guard case .awaitingHandler = state else { return false }
        state = .open
        handlerBodyBytes = 0
        return true
    }

    /// When the request being received (or, between requests, the last progress) started: for the duration
    /// of an answer given outside any parsed request.
    @inline(__always)
    var currentRequestStart: UInt64 { requestStarted ?? lastProgress }

    /// The body's minimum rate is measured from the end of its head.
    private mutating func noteBodyStart(now: UInt64) {
        guard parser.isReadingBody, bodyStarted == nil else { return }
        bodyStarted = now
        bodyBytes = input.readableCount + parser.bufferedBodyBytes
    }

    private mutating func sendContinueIfAwaited() {
        guard parser.awaitsContinuedBody, !continueSent else { return }
        continueSent = true
        output.append(contentsOf: ResponseSerializer.continueLine)
    }

    // MARK: Output

    /// Hands the bytes still to write to `send`, which returns what a `send` call returns. Mutating only so
    /// that the caller's access is in place: a read access with a closure would copy the whole machine.
    mutating func sendPending(_ send: (UnsafeRawBufferPointer) -> Int) -> Int {
        // Only the offset is captured: capturing `self` would copy the whole machine on every write.
        let start = outputSent
        return output.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }

    mutating func wrote(_ count: Int, now: UInt64) {
        outputSent += count
        lastProgress = now
    }

    /// The socket took no more: bytes already written go now rather than stay in memory until the client has
    /// read everything (a client that never reads would keep them forever).
    mutating func writeBlocked() {
        guard outputSent >= Self.compactionThreshold else { return }
        output.removeFirst(outputSent)
        outputSent = 0
    }

    /// Everything queued is written. A closing connection sends FIN at once and closes, lingering only if the
    /// client may still be sending; `unreadBytes` asks the kernel, and only when it matters.
    mutating func drained(now: @autoclosure () -> UInt64, unreadBytes: () -> Bool) -> AfterDrain {
        output.removeAll(keepingCapacity: output.capacity <= Self.compactionThreshold)
        outputSent = 0
        switch state {
        case .closing:
            if peerClosedWrite || (input.isEmpty && parser.isIdle && !unreadBytes()) { return .close }
            let until = now() + Self.lingerTime
            state = .lingering(until: until)
            input = InputBuffer()
            return .linger(until: until)
        case .open:
            return peerClosedWrite ? .close : .keepOpen
        case .awaitingHandler, .streaming, .lingering, .closed:
            return .keepOpen
        }
    }

    mutating func closed() {
        state = .closed
    }

    // MARK: Time

    mutating func timerFired(now: UInt64) -> TimerAction {
        let quiet = now &- lastProgress
        switch state {
        case .closed:
            return .none
        case .lingering(let until):
            return now >= until ? .close : .none
        case .open, .awaitingHandler, .streaming, .closing:
            if pendingOutput > 0 { return quiet > timeouts.write.nanoseconds ? .close : .none }
        }
        guard case .open = state else { return .none }
        if parser.isReadingBody {
            if quiet > timeouts.body.nanoseconds { return .timeOut("request body timed out") }
            if let started = bodyStarted, now &- started > allowedBodyTime { return .timeOut("request body too slow") }
        } else if let started = requestStarted {
            if now &- started > timeouts.header.nanoseconds { return .timeOut("request header timed out") }
        } else if quiet > timeouts.idle.nanoseconds {
            return .close
        }
        return .none
    }

    /// The grace period plus the time each byte received has bought, never beyond the body deadline.
    private var allowedBodyTime: UInt64 {
        let deadline = timeouts.bodyDeadline.nanoseconds
        guard timeouts.bodyMinimumRate > 0 else { return deadline }
        let bought = UInt64(bodyBytes) * 1_000_000_000 / UInt64(timeouts.bodyMinimumRate)
        return min(deadline, timeouts.bodyRateGrace.nanoseconds &+ bought)
    }

    // MARK: Making room

    /// What closing this connection would cost, when the server is full and a new client arrives; lower is
    /// closed first. First lingering ones (closing anyway); then those that have not sent a byte, the oldest
    /// first (it had the longest to start, and a newcomer's first bytes are usually on their way); then idle
    /// keep-alive ones, the longest quiet first; last, requests arriving below the minimum rate, the slowest
    /// first. Nil for a connection doing useful work, which is never closed for a newcomer that may send
    /// nothing at all: a request arriving at a fair rate (an upload), a handler running, a response being
    /// written.
    func evictionCost(now: UInt64) -> (tier: Int, score: Double)? {
        switch state {
        case .lingering:
            return (EvictionTier.closing, 0)
        case .awaitingHandler, .streaming, .closing, .closed:
            return nil
        case .open:
            guard pendingOutput == 0 else { return nil }
            guard let started = requestStarted else {
                guard input.isEmpty, parser.isIdle else { return nil }
                if answeredRequests == 0 { return (EvictionTier.silent, -Double(now &- acceptedAt)) }
                return (EvictionTier.idle, -Double(now &- lastProgress))
            }
            // A request arriving more slowly than the minimum rate would be cut when its grace ends anyway:
            // it is not an upload to protect but a slot held on purpose (slowloris), judged after a second.
            let elapsed = now &- started
            guard timeouts.bodyMinimumRate > 0, elapsed >= Self.rateJudgedAfter else { return nil }
            let rate = Double(requestBytes) * 1e9 / Double(elapsed)
            guard rate < Double(timeouts.bodyMinimumRate) else { return nil }
            return (EvictionTier.belowMinimumRate, rate)
        }
    }

    /// How long a request arrives before its rate is judged for making room.
    static let rateJudgedAfter: UInt64 = 1_000_000_000

    /// The classes of `evictionCost`, the first closed first.
    enum EvictionTier {
        static let closing = 0
        static let silent = 1
        static let idle = 2
        static let belowMinimumRate = 3
    }
}
