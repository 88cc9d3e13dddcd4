import Dispatch
import Foundation
import Locking
import Testing

@Suite struct ThreadLocalTests {
    /// Signals when it is destroyed.
    final class Tracked: Sendable {
        let destroyed: DispatchSemaphore

        init(_ destroyed: DispatchSemaphore) { self.destroyed = destroyed }
        deinit { destroyed.signal() }
    }

    @Test func eachThreadChangesOnlyItsOwnCopy() {
        let counts = ThreadLocal { 0 }
        // Locked, not Mutex: ThreadSanitizer sees pthread's ordering, not that of Mutex's uninstrumented atomics.
        let totals = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            // Each run starts from whatever its thread's copy holds, and adds 1,000 to it.
            let before = counts.withCurrent { $0 }
            for _ in 0..<1_000 { counts.withCurrent { $0 += 1 } }
            let after = counts.withCurrent { $0 }
            totals.withLock { $0.append(after - before) }
        }
        #expect(totals.withLock { $0 } == Array(repeating: 1_000, count: 8))
    }

    @Test func aThreadsCopyIsDestroyedWhenTheThreadExits() {
        let destroyed = DispatchSemaphore(value: 0)
        let local = ThreadLocal<Tracked?> { nil }
        let thread = Thread { local.withCurrent { $0 = Tracked(destroyed) } }
        thread.start()
        #expect(destroyed.wait(timeout: .now() + 60) == .success)
        withExtendedLifetime(local) {}
    }

    @Test func everyCopyIsDestroyedWithTheObjectWhileItsThreadsLive() {
        let destroyed = DispatchSemaphore(value: 0)
        var local: ThreadLocal<Tracked?>? = ThreadLocal { nil }
        local?.withCurrent { $0 = Tracked(destroyed) }
        #expect(destroyed.wait(timeout: .now()) == .timedOut)
        local = nil
        #expect(destroyed.wait(timeout: .now() + 60) == .success)
    }
}
