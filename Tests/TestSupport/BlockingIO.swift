import Dispatch
import Testing

/// Runs a suite's tests off Swift's cooperative pool. That pool has one thread per core (two here), and these
/// tests block in socket reads, `waitpid` and pipe reads; run in parallel on the pool, two of them could
/// stall every other test (and any server code that awaits) until their read timeouts. On this executor each
/// blocked test holds a Dispatch thread of its own instead.
public struct BlockingIOTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(BlockingTestExecutor.shared) { try await function() }
    }
}

extension Trait where Self == BlockingIOTrait {
    /// The tests block on I/O: run them where that cannot starve the others.
    public static var blockingIO: Self { Self() }
}

/// Each job on a serial queue of its own. Dispatch gives serial queues a thread even when every thread of the
/// shared pool is busy ("overcommit"), and a concurrent queue would not: on Linux it shares the pool's one
/// thread per core with `DispatchQueue.global()`, so two blocked tests would stall the server code under test.
final class BlockingTestExecutor: TaskExecutor {
    static let shared = BlockingTestExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        DispatchQueue(label: "tests.blocking-io").async { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
    }
}
