import CSystem
import Dispatch

/// Gives the memory a burst of clients made the server allocate back to the system once they are gone, so that
/// the container's resident memory falls back near its idle size instead of staying at the attack's peak.
///
/// Two parts: blocks of `mappedFrom` bytes or more (bodies, long answers) are mappings of their own, unmapped
/// as soon as they are freed; and smaller ones, which glibc keeps in its heaps after `free`, are handed back
/// (`malloc_trim`) whenever more than `heldFreeLimit` of them sit free. The check reads glibc's counters once a
/// second: microseconds, on no request's path.
enum MemoryReturn {
    static let mappedFrom = 128 * 1024
    static let heldFreeLimit = 8 * 1024 * 1024
    static let interval = DispatchTimeInterval.seconds(1)

    /// Once per process, however many servers it starts.
    static let start: Void = {
        csystem_malloc_use_mappings_from(mappedFrom)
        let queue = DispatchQueue(label: "memory-return", qos: .utility)
        scheduleCheck(on: queue)
    }()

    private static func scheduleCheck(on queue: DispatchQueue) {
        queue.asyncAfter(deadline: .now() + interval) {
            if csystem_malloc_free_bytes() > heldFreeLimit { csystem_malloc_trim() }
            scheduleCheck(on: queue)
        }
    }
}
