import Dispatch
import Locking
import Testing

@Suite struct ShardedCounterTests {
    @Test func changesFromManyThreadsAddUpExactly() {
        let counter = ShardedCounter(shardCount: 4)
        // More threads than shards, so some share one and their adds must not lose each other's.
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            for _ in 0..<10_000 { counter.add(1) }
            for _ in 0..<4_000 { counter.add(-1) }
        }
        #expect(counter.total == 12 * 6_000)
    }

    @Test func aCountTakenOnOneThreadAndGivenBackOnAnotherEndsAtZero() async {
        let counter = ShardedCounter()
        counter.add(1)
        await Task.detached { counter.add(-1) }.value
        #expect(counter.total == 0)
    }
}
