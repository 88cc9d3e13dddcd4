import Dispatch
import Glibc
import Locking
import TextEscaping

/// Where finished log lines go: a bounded buffer that a queue of its own drains to the output. Adding a line
/// never waits on the output (a slow terminal, a full pipe to `docker logs`); when the buffer is full the line
/// is dropped and counted instead, so a stalled log cannot stall clients.
///
/// With access logs on, lines arrive at the rate of requests. So appending is one copy under a lock held for
/// nothing else, and the writer is not woken for each line: the first line into an empty buffer schedules a
/// drain a moment later (`gatherTime`), which then writes everything that arrived meanwhile in one call.
public final class LogSink: Sendable {
    private struct State {
        var pending: [UInt8] = []
        /// The buffer the last drain wrote, kept so that the next one does not grow a new array from nothing.
        var spare: [UInt8] = []
        /// A drain is scheduled and has not yet taken the pending lines: it will take these too.
        var draining = false
        var dropped = 0
    }

    /// How long a line may wait for others to share its write: short enough that `docker logs -f` looks
    /// immediate, long enough that a busy server writes a few hundred times a second rather than per line.
    static let gatherTime = DispatchTimeInterval.milliseconds(5)

    private let state = Locked(State())
    private let capacity: Int
    private let queue = DispatchQueue(label: "log.writer")
    private let write: @Sendable ([UInt8]) -> Void

    /// `write` receives whole lines, several at a time, on the sink's own queue.
    public init(capacity: Int = 512 * 1024, write: @escaping @Sendable ([UInt8]) -> Void = LogSink.standardOutput) {
        self.capacity = capacity
        self.write = write
    }

    /// Lines dropped because the buffer was full.
    public var droppedLines: Int { state.withLock { $0.dropped } }

    public func append(_ line: String) {
        withUTF8Bytes(of: line) { append($0) }
    }

    /// `line` must be whole lines, each ending in a newline; they are copied.
    public func append(_ line: UnsafeBufferPointer<UInt8>) {
        state.withLock { state in
            guard state.pending.count + line.count <= capacity else {
                state.dropped += 1
                return
            }
            state.pending.append(contentsOf: line)
            guard !state.draining else { return }
            state.draining = true
            // Scheduled under the lock, so `flush` cannot slip in between the flag and the drain.
            queue.asyncAfter(deadline: .now() + Self.gatherTime) { self.drain() }
        }
    }

    /// Waits until every line appended so far is written.
    public func flush() {
        queue.sync { while drain() {} }
    }

    /// Waits as `flush` does, but no longer than `timeout`: before the process exits, a reader that stopped
    /// reading (a full pipe) must not keep it alive. Returns whether everything was written.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        let written = DispatchSemaphore(value: 0)
        queue.async {
            while self.drain() {}
            written.signal()
        }
        return written.wait(timeout: .now() + timeout.inSeconds) == .success
    }

    /// Writes what is pending in one call; runs only on `queue`. Lines appended meanwhile schedule the next
    /// drain, so under steady load there is one write per `gatherTime`, not one per line. Returns whether
    /// there was anything to write.
    @discardableResult
    private func drain() -> Bool {
        var batch = state.withLock { state -> [UInt8] in
            state.draining = false
            let lines = state.pending
            if !lines.isEmpty {
                state.pending = state.spare
                state.spare = []
            }
            return lines
        }
        if batch.isEmpty { return false }
        write(batch)
        batch.removeAll(keepingCapacity: true)
        state.withLock { $0.spare = batch }
        return true
    }

    public static let standardOutput: @Sendable ([UInt8]) -> Void = { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(STDOUT_FILENO, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
