import Testing

@testable import HTTPServer

extension BufferBudget {
    /// A budget as a server with 1,024 connections on 2 loops and the default limits would have.
    static func forTests(limit: Int, statistics: ServerStatistics = ServerStatistics()) -> BufferBudget {
        BufferBudget(
            limit: limit, maxConnections: 1024, eventLoops: 2, limits: HTTPLimits(), readSize: 64 * 1024,
            statistics: statistics)
    }
}

@Suite struct BufferBudgetTests {
    /// A 128 MiB container's budget: a quarter of it for the allowances, an overdraft per loop, the rest shared.
    @Test func splitsTheLimitIntoAllowancesOverdraftsAndTheSharedPart() {
        let budget = BufferBudget.forTests(limit: 32 * 1024 * 1024)
        #expect(budget.allowance == 8 * 1024)
        #expect(budget.overdraftCount == 2)
        #expect(budget.overdraftBytes == 1024 * 1024 + 16 * 1024 + 64 * 1024)
        #expect(budget.shared == 32 * 1024 * 1024 - 1024 * budget.allowance - 2 * budget.overdraftBytes)
        // A roomy budget gives each connection 32 KiB at most.
        #expect(BufferBudget.forTests(limit: 1 << 30).allowance == 32 * 1024)
    }

    /// With the smallest budget the settings allow (twice the largest body), one overdraft still fits.
    @Test func theSmallestBudgetKeepsOneOverdraft() {
        let budget = BufferBudget.forTests(limit: 2 * 1024 * 1024)
        #expect(budget.overdraftCount == 1)
        #expect(budget.allowance * 1024 + budget.overdraftBytes + budget.shared <= budget.limit)
    }

    /// Connections that take what `room` allows, and overdrafts of one request each, never hold more than the
    /// limit together, in any order; and a connection below its allowance always has room.
    @Test(arguments: [2 * 1024 * 1024, 32 * 1024 * 1024])
    func whatConnectionsTakeNeverPassesTheLimit(_ limit: Int) {
        let statistics = ServerStatistics()
        let budget = BufferBudget.forTests(limit: limit, statistics: statistics)
        var held = [Int](repeating: 0, count: 1024)
        var overdrawn: [Int: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let index = Int.random(in: 0..<held.count, using: &generator)
            if Int.random(in: 0..<4, using: &generator) == 0 {
                // Lets go of what it holds (a request answered, a client gone).
                budget.change(by: -held[index])
                held[index] = 0
                if overdrawn.removeValue(forKey: index) != nil { budget.returnOverdraft() }
                continue
            }
            let wanted = Int.random(in: 1...64 * 1024, using: &generator)
            var room = budget.room(holding: held[index])
            if held[index] < budget.allowance { #expect(room >= budget.allowance - held[index]) }
            if room == 0, overdrawn[index] == nil, budget.takeOverdraft() { overdrawn[index] = 0 }
            if let taken = overdrawn[index] { room = max(room, budget.overdraftBytes - taken) }
            let taking = min(wanted, room)
            if overdrawn[index] != nil { overdrawn[index, default: 0] += taking }
            held[index] += taking
            budget.change(by: taking)
            #expect(statistics.bytesBuffered <= limit)
            if statistics.bytesBuffered > limit { return }
        }
    }
}
