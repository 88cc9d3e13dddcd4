import Glibc
import Synchronization

/// A small number that stays the same for the life of the calling thread and differs between threads
/// (until more threads than shards have asked): it spreads per-thread work over shards without hashing.
public enum ThreadSlot {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    private static let nextSlot = Atomic<Int>(0)

    public static var current: Int {
        // Stored plus one, because a thread that has never asked reads back nil.
        if let stored = pthread_getspecific(key) {
            return Int(bitPattern: stored) - 1
        }
        let slot = nextSlot.wrappingAdd(1, ordering: .relaxed).oldValue
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: slot + 1))
        return slot
    }
}
