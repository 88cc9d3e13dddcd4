import Glibc

/// A value behind a pthread mutex.
///
/// Not `Synchronization.Mutex`: on Linux that is a bare futex, which ThreadSanitizer cannot see, so every
/// access under it is reported as a race and real races would hide among them.
/// `@unchecked Sendable`: `value` is only touched inside `withLock`, with the mutex held.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    // Usable from inlinable code so that callers in other modules get `withLock` specialized for their
    // `Value`, not a generic call that looks up type metadata on every use.
    @usableFromInline var value: Value
    @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init(_ value: Value) {
        self.value = value
        // Adaptive: a thread that finds the lock taken spins briefly before sleeping. Every critical section
        // here is short (a counter, a swap, a copy of one log line), so a waiter almost always gets the lock
        // within the spin, instead of paying a futex sleep and wake-up under load.
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inlinable
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
