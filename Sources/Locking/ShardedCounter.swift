import Synchronization

/// A count that many threads change often and few read: each thread adds to its own atomic, so a change is
/// one uncontended atomic add instead of a lock, and a read adds the shards up.
public final class ShardedCounter: Sendable {
    private let shards: [Shard]

    /// Padded so that two shards never share a cache line: cores adding to neighbours would otherwise take
    /// the line from each other on every change.
    private final class Shard: Sendable {
        let value = Atomic<Int>(0)
        let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    public init(shardCount: Int = 16) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    public func add(_ delta: Int) {
        shards[ThreadSlot.current % shards.count].value.wrappingAdd(delta, ordering: .relaxed)
    }

    /// The sum of every shard. Changes made meanwhile may or may not be in it, as with any gauge.
    public var total: Int {
        shards.reduce(0) { $0 + $1.value.load(ordering: .relaxed) }
    }
}
