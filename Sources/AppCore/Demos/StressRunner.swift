import Dispatch
import Glibc
import HTTPServer
import Locking
import Synchronization

/// The work behind the classroom demos: every CPU the process may use kept busy, or memory held, for a while.
/// One run of each kind at a time, so two requests never add up to more than one may ask for; both end at once
/// when the process starts to shut down, and the memory goes back to the system when its run ends.
public final class StressRunner: Sendable {
    public static let seconds = 1...60
    public static let megabytes = 1...4096

    public enum Outcome: Sendable, Equatable {
        case started
        /// A run of the same kind is going; it ends in this many seconds.
        case busy(secondsLeft: Int)
        case shuttingDown
        /// The memory could not be had (the reason, from `mmap`).
        case refused(String)
    }

    /// How many threads a CPU run keeps busy.
    public let cpuThreads: Int
    private let logger: Logger
    private let state = Locked(State())
    /// Checked by the CPU threads between slices of work.
    private let stopped = Atomic(false)
    /// Signalled to end the memory run early.
    private let memoryRelease = DispatchSemaphore(value: 0)

    private struct State {
        var cpuEnds: ContinuousClock.Instant?
        var memoryEnds: ContinuousClock.Instant?
        var shuttingDown = false
    }

    public init(cpuThreads: Int, logger: Logger) {
        self.cpuThreads = max(1, cpuThreads)
        self.logger = logger
    }

    /// Keeps `cpuThreads` threads busy for `seconds`, at the lowest priority: the server's own threads come
    /// first when they have work, so the probes feel only the CPU quota the process shares with them.
    public func startCPU(seconds: Int, requestID: String) -> Outcome {
        let ends = ContinuousClock.now + .seconds(seconds)
        if let refusal = claim(\.cpuEnds, until: ends) { return refusal }
        let running = Atomic(cpuThreads)
        var spawned = 0
        for index in 0..<cpuThreads {
            do {
                try spawnThread(named: "stress-cpu-\(index)") { [self] in
                    // On Linux the nice value is per thread, and 0 names the calling one.
                    setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                    burn(until: ends)
                    if running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                        finish(\.cpuEnds, "cpu stress ended", requestID)
                    }
                }
                spawned += 1
            } catch {
                break
            }
        }
        // Threads that never started count as finished; the last to finish, started or not, ends the run.
        let missing = cpuThreads - spawned
        if missing > 0, running.subtract(missing, ordering: .acquiringAndReleasing).newValue == 0 {
            finish(\.cpuEnds, "cpu stress ended", requestID)
        }
        if spawned == 0 { return .refused("no thread could be started") }
        return .started
    }

    /// Maps `megabytes` MiB, writes to every page so that all of it counts in the process's resident memory,
    /// holds it for `seconds`, then unmaps it. More than the container may have ends in the kernel's OOM
    /// kill: that is the demo.
    public func startMemory(megabytes: Int, seconds: Int, requestID: String) -> Outcome {
        let ends = ContinuousClock.now + .seconds(seconds)
        if let refusal = claim(\.memoryEnds, until: ends) { return refusal }
        let size = megabytes << 20
        guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapping != MAP_FAILED
        else {
            let reason = String(cString: strerror(errno))
            release(\.memoryEnds)
            return .refused(reason)
        }
        let address = UInt(bitPattern: mapping)
        do {
            try spawnThread(named: "stress-memory") { [self] in
                // Sendable across the thread boundary as a number; only this thread touches the memory.
                guard let pages = UnsafeMutableRawPointer(bitPattern: address) else { return }
                let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
                for offset in stride(from: 0, to: size, by: pageSize) {
                    pages.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self)
                    if stopped.load(ordering: .relaxed) { break }
                }
                logger.info("memory stress holding", [("request_id", requestID), ("mb", String(megabytes))])
                if !stopped.load(ordering: .relaxed) {
                    _ = memoryRelease.wait(timeout: .now() + .seconds(seconds))
                }
                munmap(pages, size)
                finish(\.memoryEnds, "memory stress ended", requestID)
            }
        } catch {
            munmap(mapping, size)
            release(\.memoryEnds)
            return .refused(error.description)
        }
        return .started
    }

    /// Ends every run now and refuses new ones: called when shutdown begins.
    public func stop() {
        state.withLock { $0.shuttingDown = true }
        stopped.store(true, ordering: .relaxed)
        memoryRelease.signal()
    }

    private func claim(
        _ slot: WritableKeyPath<State, ContinuousClock.Instant?>, until ends: ContinuousClock.Instant
    ) -> Outcome? {
        state.withLock { state in
            if state.shuttingDown { return .shuttingDown }
            if let current = state[keyPath: slot] {
                let left = ContinuousClock.now.duration(to: current).components.seconds
                return .busy(secondsLeft: max(1, Int(left) + 1))
            }
            state[keyPath: slot] = ends
            return nil
        }
    }

    /// Gives the claim back: a run of that kind may start again.
    private func release(_ slot: WritableKeyPath<State, ContinuousClock.Instant?>) {
        state.withLock { $0[keyPath: slot] = nil }
    }

    private func finish(_ slot: WritableKeyPath<State, ContinuousClock.Instant?>, _ message: String, _ id: String) {
        release(slot)
        logger.info(message, [("request_id", id)])
    }

    /// Arithmetic in slices of about a millisecond, looking at the clock and the stop flag between them.
    private func burn(until ends: ContinuousClock.Instant) {
        var value: UInt64 = 0x9E37_79B9_7F4A_7C15
        while !stopped.load(ordering: .relaxed), ContinuousClock.now < ends {
            for _ in 0..<200_000 { value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
            // Stored where the optimiser must assume it is read, so the loop above is not thrown away.
            sink.store(value, ordering: .relaxed)
        }
    }

    private let sink = Atomic<UInt64>(0)
}
