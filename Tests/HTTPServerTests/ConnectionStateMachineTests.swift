import CSystem
import Testing

@testable import HTTPServer

/// The connection's protocol state against a made-up clock: every timeout is checked just before and just
/// after it passes, with no socket and no sleep.
@Suite struct ConnectionStateMachineTests {
    static let second: UInt64 = 1_000_000_000
    static let start: UInt64 = 1_000 * second

    static var timeouts: HTTPTimeouts {
        var timeouts = HTTPTimeouts()
        timeouts.idle = .seconds(5)
        timeouts.header = .seconds(10)
        timeouts.body = .seconds(10)
        timeouts.bodyMinimumRate = 100
        timeouts.bodyRateGrace = .seconds(10)
        timeouts.bodyDeadline = .seconds(120)
        timeouts.write = .seconds(10)
        return timeouts
    }

    static func machine(
        maxPendingOutputBytes: Int = 1024 * 1024, budget: BufferBudget = roomyBudget, now: UInt64 = start
    ) -> ConnectionStateMachine {
        ConnectionStateMachine(
            limits: HTTPLimits(), timeouts: timeouts, maxPendingOutputBytes: maxPendingOutputBytes, budget: budget,
            now: now)
    }

    static let roomyBudget = BufferBudget.forTests(limit: 1 << 30)

    static func receive(_ machine: inout ConnectionStateMachine, _ text: String, at now: UInt64) {
        Array(text.utf8).withUnsafeBytes { machine.received($0, now: now) }
    }

    static func at(_ seconds: Double) -> UInt64 { start + UInt64(seconds * Double(second)) }

    static let get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"

    /// Parses the next request and queues a small answer for it, as `Connection` does.
    @discardableResult
    static func answerNext(_ machine: inout ConnectionStateMachine, at now: UInt64, draining: Bool = false) -> Bool {
        guard case .request(let request, _) = machine.nextRequest(now: now) else { return false }
        let keepAlive = machine.keepsAlive(wanted: request.wantsKeepAlive, draining: draining)
        machine.queue(Array("HTTP/1.1 200 OK\r\n\r\n".utf8), keepAlive: keepAlive)
        return true
    }

    static func writeAll(_ machine: inout ConnectionStateMachine, at now: UInt64) {
        machine.wrote(machine.pendingOutput, now: now)
    }

    // MARK: Timeouts in each state

    @Test func anIdleConnectionClosesAfterTheIdleTimeout() {
        var machine = Self.machine()
        #expect(machine.timerFired(now: Self.at(5)) == .none)
        #expect(machine.timerFired(now: Self.at(5.001)) == .close)
    }

    @Test func idleTimeRestartsAfterEachAnsweredRequest() {
        var machine = Self.machine()
        Self.receive(&machine, Self.get, at: Self.at(4))
        #expect(Self.answerNext(&machine, at: Self.at(4)))
        Self.writeAll(&machine, at: Self.at(4))
        #expect(machine.drained(now: Self.at(4), unreadBytes: { false }) == .keepOpen)
        #expect(machine.timerFired(now: Self.at(9)) == .none)
        #expect(machine.timerFired(now: Self.at(9.001)) == .close)
    }

    @Test func aHeadThatNeverEndsIsAnswered408AtTheHeaderTimeout() {
        var machine = Self.machine()
        Self.receive(&machine, "GET / HTTP/1.1\r\n", at: Self.at(1))
        #expect(machine.nextRequest(now: Self.at(1)).isNeedInput)
        // A byte now and then does not extend the header timeout: it runs from the first byte.
        for second in 2...10 { Self.receive(&machine, "X", at: Self.at(Double(second))) }
        #expect(machine.timerFired(now: Self.at(11)) == .none)
        #expect(machine.timerFired(now: Self.at(11.001)) == .timeOut("request header timed out"))
    }

    @Test func aStalledBodyTimesOutAfterTheBodyTimeout() {
        var machine = Self.machine()
        Self.receive(&machine, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", at: Self.at(1))
        #expect(machine.nextRequest(now: Self.at(1)).isNeedInput)
        #expect(machine.timerFired(now: Self.at(11)) == .none)
        #expect(machine.timerFired(now: Self.at(11.001)) == .timeOut("request body timed out"))
    }

    /// 100 bytes per second after a 10 s grace: each byte buys 10 ms.
    @Test func aBodySlowerThanTheMinimumRateIsAnswered408() {
        var machine = Self.machine()
        Self.receive(&machine, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", at: Self.at(0))
        #expect(machine.nextRequest(now: Self.at(0)).isNeedInput)
        // 9 bytes a second, every second: never quiet for long, but too slow.
        for second in 1...10 {
            Self.receive(&machine, String(repeating: "b", count: 9), at: Self.at(Double(second)))
            _ = machine.nextRequest(now: Self.at(Double(second)))
        }
        // 90 bytes bought 0.9 s beyond the grace.
        #expect(machine.timerFired(now: Self.at(10.899)) == .none)
        #expect(machine.timerFired(now: Self.at(10.901)) == .timeOut("request body too slow"))
    }

    @Test func aBodyFasterThanTheMinimumRateCompletes() {
        var machine = Self.machine()
        Self.receive(&machine, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n", at: Self.at(0))
        _ = machine.nextRequest(now: Self.at(0))
        // 200 bytes a second for 15 s: past the grace, and always ahead of 100 bytes a second.
        for second in 1...15 {
            Self.receive(&machine, String(repeating: "b", count: 200), at: Self.at(Double(second)))
            #expect(machine.timerFired(now: Self.at(Double(second))) == .none)
            if case .request(let request, _) = machine.nextRequest(now: Self.at(Double(second))) {
                #expect(second == 15)
                #expect(request.body.count == 3000)
            }
        }
    }

    @Test func aFastBodyIsStillBoundByTheBodyDeadline() {
        var machine = Self.machine()
        let length = 1_000_000
        Self.receive(&machine, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(length)\r\n\r\n", at: Self.at(0))
        _ = machine.nextRequest(now: Self.at(0))
        for second in stride(from: 5, through: 120, by: 5) {
            Self.receive(&machine, String(repeating: "b", count: 4096), at: Self.at(Double(second)))
            _ = machine.nextRequest(now: Self.at(Double(second)))
        }
        #expect(machine.timerFired(now: Self.at(120)) == .none)
        #expect(machine.timerFired(now: Self.at(120.001)) == .timeOut("request body too slow"))
    }

    @Test func aClientThatStopsReadingIsClosedAfterTheWriteTimeout() {
        var machine = Self.machine()
        Self.receive(&machine, Self.get, at: Self.at(0))
        Self.answerNext(&machine, at: Self.at(0))
        machine.wrote(3, now: Self.at(1))
        machine.writeBlocked()
        #expect(machine.timerFired(now: Self.at(11)) == .none)
        #expect(machine.timerFired(now: Self.at(11.001)) == .close)
    }

    @Test func aRunningHandlerIsNeverTimedOut() {
        var machine = Self.machine()
        Self.receive(&machine, Self.get, at: Self.at(0))
        guard case .request(let request, _) = machine.nextRequest(now: Self.at(0)) else {
            Issue.record("no request")
            return
        }
        machine.handlerStarted(bodyBytes: request.body.count)
        #expect(machine.state == .awaitingHandler)
        #expect(machine.timerFired(now: Self.at(3600)) == .none)
        // Reading pauses; only the client's leaving is watched for.
        #expect(machine.interest == CSYSTEM_EVENT_PEER_CLOSED)
        #expect(machine.goesWhenThePeerLeaves)
        let finished = machine.handlerFinished()
        #expect(finished)
        #expect(machine.state == .open)
    }

    @Test func aHandlerThatOutlivesItsConnectionFindsItClosed() {
        var machine = Self.machine()
        Self.receive(&machine, Self.get, at: Self.at(0))
        _ = machine.nextRequest(now: Self.at(0))
        machine.handlerStarted(bodyBytes: 0)
        machine.closed()
        let stillWanted = machine.handlerFinished()
        #expect(!stillWanted)
        #expect(machine.holding == 0)
        #expect(machine.timerFired(now: Self.at(3600)) == .none)
    }

    // MARK: Closing and lingering

    @Test func connectionCloseClosesAtOnceWhenNothingMoreWasSent() {
        var machine = Self.machine()
        Self.receive(&machine, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", at: Self.at(0))
        Self.answerNext(&machine, at: Self.at(0))
        #expect(machine.state == .closing)
        #expect(machine.nextRequest(now: Self.at(0)).isNotOpen)
        Self.writeAll(&machine, at: Self.at(0))
        #expect(machine.drained(now: Self.at(0), unreadBytes: { false }) == .close)
    }

    /// Unread bytes would turn the close into a reset that can destroy the response in flight: linger instead.
    @Test func unreadBytesAtCloseLingerThenClose() {
        var machine = Self.machine()
        Self.receive(&machine, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nmore", at: Self.at(0))
        Self.answerNext(&machine, at: Self.at(0))
        Self.writeAll(&machine, at: Self.at(0))
        let until = Self.at(0) + ConnectionStateMachine.lingerTime
        #expect(machine.drained(now: Self.at(0), unreadBytes: { false }) == .linger(until: until))
        #expect(machine.acceptsInput)
        Self.receive(&machine, "ignored", at: Self.at(1))
        #expect(machine.holding == 0)
        #expect(machine.timerFired(now: until - 1) == .none)
        #expect(machine.timerFired(now: until) == .close)
    }

    @Test func lingeringEndsWhenTheClientCloses() {
        var machine = Self.machine()
        Self.receive(&machine, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", at: Self.at(0))
        Self.answerNext(&machine, at: Self.at(0))
        Self.writeAll(&machine, at: Self.at(0))
        _ = machine.drained(now: Self.at(0), unreadBytes: { true })
        let closes = machine.peerClosed()
        #expect(closes)
    }

    @Test func aClientThatClosesItsSideIsAnsweredThenClosed() {
        var machine = Self.machine()
        Self.receive(&machine, Self.get, at: Self.at(0))
        let closesNow = machine.peerClosed()
        #expect(!closesNow)
        guard case .request(let request, _) = machine.nextRequest(now: Self.at(0)) else {
            Issue.record("no request")
            return
        }
        #expect(!machine.keepsAlive(wanted: request.wantsKeepAlive, draining: false))
        machine.queue([1], keepAlive: false)
        Self.writeAll(&machine, at: Self.at(0))
        #expect(machine.drained(now: Self.at(0), unreadBytes: { true }) == .close)
    }

    @Test func drainingAnswersWithoutKeepAlive() {
        var machine = Self.machine()
        Self.receive(&machine, Self.get, at: Self.at(0))
        Self.answerNext(&machine, at: Self.at(0), draining: true)
        #expect(machine.state == .closing)
    }

    // MARK: Requests

    @Test func aPipelineIsAnsweredSixteenAtATurn() {
        var machine = Self.machine()
        Self.receive(&machine, String(repeating: Self.get, count: 20), at: Self.at(0))
        machine.startTurn()
        var answered = 0
        while Self.answerNext(&machine, at: Self.at(0)) { answered += 1 }
        #expect(answered == ConnectionStateMachine.requestsPerTurn)
        #expect(machine.nextRequest(now: Self.at(0)).isTurnOver)
        #expect(machine.hasBufferedRequests)
        machine.startTurn()
        while Self.answerNext(&machine, at: Self.at(0)) { answered += 1 }
        #expect(answered == 20)
        #expect(!machine.hasBufferedRequests)
    }

    @Test func readingStopsWhileTooManyResponsesWait() {
        var machine = Self.machine(maxPendingOutputBytes: 100)
        Self.receive(&machine, Self.get + Self.get, at: Self.at(0))
        _ = machine.nextRequest(now: Self.at(0))
        machine.queue([UInt8](repeating: 0, count: 101), keepAlive: true)
        #expect(machine.nextRequest(now: Self.at(0)).isOutputFull)
        #expect(!machine.acceptsInput)
        #expect(machine.interest == CSYSTEM_EVENT_WRITE)
        machine.wrote(50, now: Self.at(1))
        #expect(Self.answerNext(&machine, at: Self.at(1)))
    }

    /// Once the server's budget is spent, a connection may keep only its allowance of unread responses.
    @Test func aSpentBudgetShrinksWhatMayWait() {
        let budget = BufferBudget.forTests(limit: 4 * 1024 * 1024)
        var machine = Self.machine(budget: budget)
        machine.queue([UInt8](repeating: 0, count: budget.allowance + 1), keepAlive: true)
        #expect(!machine.outputIsFull)
        budget.change(by: budget.shared)
        #expect(machine.outputIsFull)
        #expect(!machine.acceptsInput)
    }

    @Test func expectContinueIsAnsweredOnceBeforeTheBody() {
        var machine = Self.machine()
        let head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        Self.receive(&machine, head, at: Self.at(0))
        #expect(machine.nextRequest(now: Self.at(0)).isNeedInput)
        #expect(machine.pendingOutput == ResponseSerializer.continueLine.count)
        #expect(machine.nextRequest(now: Self.at(0)).isNeedInput)
        #expect(machine.pendingOutput == ResponseSerializer.continueLine.count)
        Self.receive(&machine, "abc", at: Self.at(1))
        guard case .request(let request, let started) = machine.nextRequest(now: Self.at(1))
        else {
            Issue.record("no request")
            return
        }
        #expect(request.body == Array("abc".utf8))
        #expect(started == Self.at(0))
    }

    @Test func garbageIsMalformed() {
        var machine = Self.machine()
        Self.receive(&machine, "NOT HTTP\r\n\r\n", at: Self.at(0))
        guard case .malformed(let error) = machine.nextRequest(now: Self.at(0)) else {
            Issue.record("garbage parsed")
            return
        }
        #expect(error.status == .badRequest)
    }

    @Test func writtenOutputIsDroppedOnceEnoughIsWritten() {
        var machine = Self.machine()
        let size = ConnectionStateMachine.compactionThreshold * 2
        machine.queue([UInt8](repeating: 0, count: size), keepAlive: true)
        machine.wrote(ConnectionStateMachine.compactionThreshold - 1, now: Self.at(0))
        machine.writeBlocked()
        #expect(machine.holding == size)
        machine.wrote(1, now: Self.at(0))
        machine.writeBlocked()
        #expect(machine.holding == size - ConnectionStateMachine.compactionThreshold)
    }

    @Test func waitingForMemoryWatchesOnlyForThePeerClosing() {
        var machine = Self.machine()
        machine.pauseForMemory()
        #expect(!machine.acceptsInput)
        #expect(machine.interest == CSYSTEM_EVENT_PEER_CLOSED)
        machine.memoryAvailable()
        #expect(machine.interest == CSYSTEM_EVENT_READ)
    }

    // MARK: Eviction

    @Test func evictionTakesTheSilentOldestFirstThenTheIdleThenTheSlowerThanTheMinimumRate() {
        let silentOld = Self.machine(now: Self.at(0))
        let silentNew = Self.machine(now: Self.at(1.999))

        var idle = Self.machine()
        Self.receive(&idle, Self.get, at: Self.at(0))
        Self.answerNext(&idle, at: Self.at(0))
        Self.writeAll(&idle, at: Self.at(0))
        _ = idle.drained(now: Self.at(0), unreadBytes: { false })

        var uploading = Self.machine()
        Self.receive(&uploading, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab", at: Self.at(0))
        var trickling = Self.machine()
        Self.receive(&trickling, "G", at: Self.at(0))
        var writing = Self.machine()
        writing.queue([1, 2, 3], keepAlive: true)

        let now = Self.at(2)
        let oldCost = silentOld.evictionCost(now: now)
        let newCost = silentNew.evictionCost(now: now)
        // Even a connection a millisecond old may go, if it has sent nothing: silence is the least useful.
        #expect(oldCost?.tier == 1 && newCost?.tier == 1)
        #expect((oldCost?.score ?? 0) < (newCost?.score ?? 0))
        #expect(idle.evictionCost(now: now)?.tier == 2)
        #expect(writing.evictionCost(now: now) == nil)
        // Requests arriving: judged by their rate against the minimum only after a second, and protected
        // unless they are slower than it.
        #expect(uploading.evictionCost(now: Self.at(0.5)) == nil)
        #expect(trickling.evictionCost(now: Self.at(0.5)) == nil)
        var fast = Self.machine()
        Self.receive(&fast, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n", at: Self.at(0))
        Self.receive(&fast, String(repeating: "y", count: 4000), at: Self.at(1.5))
        #expect(fast.evictionCost(now: now) == nil)
        let slowest = trickling.evictionCost(now: now)
        let slow = uploading.evictionCost(now: now)
        #expect(slowest?.tier == ConnectionStateMachine.EvictionTier.belowMinimumRate)
        #expect((slowest?.score ?? 1) < (slow?.score ?? 0))
    }
}

extension ConnectionStateMachine.Next {
    var isNeedInput: Bool { if case .needInput = self { true } else { false } }
    var isTurnOver: Bool { if case .turnOver = self { true } else { false } }
    var isOutputFull: Bool { if case .outputFull = self { true } else { false } }
    var isNotOpen: Bool { if case .notOpen = self { true } else { false } }
}

extension ConnectionStateMachine {
    /// Queues bytes as a response, as the connection queues a serialized one.
    mutating func queue(_ bytes: [UInt8], keepAlive: Bool) {
        queue(keepAlive: keepAlive) { $0.append(contentsOf: bytes) }
    }
}
