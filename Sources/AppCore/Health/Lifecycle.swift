import Synchronization

/// Where the process is in its life, as far as `/health` cares: once shutdown starts, load balancers and
/// Docker should stop sending new work even though requests in flight are still being answered.
public final class Lifecycle: Sendable {
    private let draining = Atomic(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func beginDraining() {
        draining.store(true, ordering: .relaxed)
    }
}
