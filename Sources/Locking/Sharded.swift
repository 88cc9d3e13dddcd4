/// State split into shards, each behind its own lock; a thread always uses the same shard, so threads
/// that update often (one per core, per request) do not wait on one another. Reads merge every shard.
public final class Sharded<Value: Sendable>: Sendable {
    @usableFromInline let shards: [Locked<Value>]

    public init(shardCount: Int = 16, _ makeValue: () -> Value) {
        shards = (0..<max(1, shardCount)).map { _ in Locked(makeValue()) }
    }

    /// Runs `body` on the calling thread's shard.
    @inlinable
    public func withCurrentShard<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try shards[ThreadSlot.current % shards.count].withLock(body)
    }

    /// Combines every shard, one at a time (never all locked at once).
    @inlinable
    public func reduce<Result>(_ initial: Result, _ combine: (Result, Value) -> Result) -> Result {
        shards.reduce(initial) { partial, shard in shard.withLock { combine(partial, $0) } }
    }
}
