import Dispatch
import Locking

/// Starts `work`, which calls `answer` once when it is done, and returns its answer or, if `deadline` comes
/// first, `fallback`. Whichever comes second is dropped.
func firstAnswer<Value: Sendable>(
    by deadline: ContinuousClock.Instant, otherwise fallback: Value,
    _ work: (_ answer: @escaping @Sendable (Value) -> Void) -> Void
) async -> Value {
    await withCheckedContinuation { continuation in
        let waiting = Locked<CheckedContinuation<Value, Never>?>(continuation)
        let answer: @Sendable (Value) -> Void = { value in
            let taken = waiting.withLock { waiting in
                defer { waiting = nil }
                return waiting
            }
            taken?.resume(returning: value)
        }
        let remaining = max(.zero, deadline - .now)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(remaining.inSeconds * 1e9))) {
            answer(fallback)
        }
        work(answer)
    }
}
