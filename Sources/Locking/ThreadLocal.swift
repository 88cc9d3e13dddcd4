import Glibc

/// A value of which each thread has its own copy, made on the thread's first use: reading and changing it
/// takes no lock, because no other thread ever sees it. For caches that every event loop reads on every
/// request, where even an uncontended mutex is a measurable part of the work.
///
/// A thread's copy is destroyed when the thread exits, or when this object goes, whichever comes first.
public final class ThreadLocal<Value>: @unchecked Sendable {
    @usableFromInline let key: pthread_key_t
    private let makeValue: @Sendable () -> Value
    /// Every copy a living thread holds, so that `deinit` can destroy them: deleting the key does not.
    private let copies = ThreadLocalCopies()

    /// A thread's copy. The thread's slot holds one reference to it, given back when the thread exits.
    @usableFromInline
    final class Copy: ThreadLocalSlot {
        @usableFromInline var value: Value

        init(_ value: Value, copies: ThreadLocalCopies) {
            self.value = value
            super.init(copies: copies)
        }
    }

    public init(_ makeValue: @escaping @Sendable () -> Value) {
        self.makeValue = makeValue
        var key = pthread_key_t()
        // Runs on a thread's exit with its copy; the copy reaches its list through itself.
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            let slot = Unmanaged<ThreadLocalSlot>.fromOpaque(raw)
            if slot.takeUnretainedValue().copies.remove(slot) { slot.release() }
        }
        self.key = key
    }

    deinit {
        // No exiting thread can reach a copy once the key is gone; those still listed are released here.
        pthread_key_delete(key)
        for copy in copies.removeAll() { copy.release() }
    }

    /// Runs `body` on the calling thread's copy. Inlinable, so that a caller in another module gets it
    /// specialized for its `Value`: generic, it would cost more than the lock it replaces.
    @inlinable
    public func withCurrent<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        if let raw = pthread_getspecific(key) {
            return try body(&Unmanaged<Copy>.fromOpaque(raw).takeUnretainedValue().value)
        }
        return try body(&makeCopy().value)
    }

    /// The calling thread's first use: its copy, made and put in its slot.
    @usableFromInline
    func makeCopy() -> Copy {
        let copy = Copy(makeValue(), copies: copies)
        let slot = Unmanaged<ThreadLocalSlot>.passRetained(copy)
        copies.add(slot)
        pthread_setspecific(key, slot.toOpaque())
        return copy
    }
}

/// What a thread's slot points to, whatever the value's type: the exit handler is a C function and cannot
/// know it.
@usableFromInline
class ThreadLocalSlot {
    let copies: ThreadLocalCopies

    init(copies: ThreadLocalCopies) {
        self.copies = copies
    }
}

/// The copies still held by living threads' slots. `@unchecked Sendable`: the list is only touched with
/// the mutex held.
final class ThreadLocalCopies: @unchecked Sendable {
    private var slots: [Unmanaged<ThreadLocalSlot>] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func add(_ slot: Unmanaged<ThreadLocalSlot>) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        slots.append(slot)
    }

    /// Whether `slot` was still listed: only then is its thread's reference still to be given back.
    func remove(_ slot: Unmanaged<ThreadLocalSlot>) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard let index = slots.firstIndex(where: { $0.toOpaque() == slot.toOpaque() }) else { return false }
        slots.remove(at: index)
        return true
    }

    func removeAll() -> [Unmanaged<ThreadLocalSlot>] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        defer { slots = [] }
        return slots
    }
}
