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
        pthread_mutex_init(mutex, nil)
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
