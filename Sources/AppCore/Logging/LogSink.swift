import Dispatch
import Glibc
import Locking

/// Where finished log lines go: a bounded buffer that a queue of its own drains to the output. Adding a line
/// never waits on the output (a slow terminal, a full pipe to `docker logs`); when the buffer is full the line
/// is dropped and counted instead, so a stalled log cannot stall clients.
public final class LogSink: Sendable {
    private struct State {
        var pending: [UInt8] = []
        /// A drain is queued or running: it will pick up anything appended meanwhile.
        var draining = false
        var dropped = 0
    }

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
        state.withLock { state in
            guard state.pending.count + line.utf8.count <= capacity else {
                state.dropped += 1
                return
            }
            state.pending.append(contentsOf: line.utf8)
            guard !state.draining else { return }
            state.draining = true
            // Queued under the lock, so `flush` cannot slip in between the flag and the drain.
            queue.async { self.drain() }
        }
    }

    /// Waits until every line appended so far is written.
    public func flush() {
        queue.sync {}
    }

    /// Waits as `flush` does, but no longer than `timeout`: before the process exits, a reader that stopped
    /// reading (a full pipe) must not keep it alive. Returns whether everything was written.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        let written = DispatchSemaphore(value: 0)
        queue.async { written.signal() }
        return written.wait(timeout: .now() + timeout.inSeconds) == .success
    }

    private func drain() {
        while true {
            let batch = state.withLock { state -> [UInt8]? in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    return nil
                }
                defer { state.pending = [] }
                return state.pending
            }
            guard let batch else { return }
            write(batch)
        }
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
