import Dispatch
import Glibc

/// Everything a child process writes to one pipe, read as it comes with blocking reads on a thread of its own,
/// as Docker reads a container's output: a pipe nobody reads fills up, and the child then blocks or drops lines.
///
/// Not `FileHandle.readabilityHandler` (nor `Foundation.Process`): those arm a Dispatch read source per pipe,
/// and tearing such sources down on several threads at once corrupts libdispatch's epoll bookkeeping on Linux
/// (swift-corelibs-libdispatch issue 949), which crashed this suite in `_dispatch_event_loop_drain`.
public final class OutputCollector: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var ended = false
        /// Reading is paused, to play a log reader that stopped reading.
        var paused = false
        /// Nobody will look at the output again: the reader closes the pipe.
        var abandoned = false
    }

    private let state = Condition(State())

    /// Takes ownership of `fd`, the read end of a pipe, and closes it at end of file.
    init(reading fd: Int32) {
        // A serial queue gets a thread of its own even when the shared pool is busy; the read blocks it.
        DispatchQueue(label: "tests.child-output").async { [state] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let goOn = state.wait(timeout: .seconds(86_400)) { $0.paused && !$0.abandoned ? nil : !$0.abandoned }
                if goOn == false { break }
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                state.update { $0.bytes.append(contentsOf: chunk[..<count]) }
            }
            close(fd)
            state.update { $0.ended = true }
        }
    }

    deinit {
        state.update { $0.abandoned = true }
    }

    /// Stops reading (after the read in progress, if any): the pipe fills and the writer finds it full.
    public func stopReading() {
        state.update { $0.paused = true }
    }

    /// What has arrived so far.
    public var text: String {
        state.read { String(decoding: $0.bytes, as: UTF8.self) }
    }

    /// Waits until the writer (the child and anything it passed the pipe to) has closed the pipe.
    @discardableResult
    public func waitForEnd(timeout: Duration) -> Bool {
        state.wait(timeout: timeout) { $0.ended ? true : nil } ?? false
    }

    /// The first whole line at or after byte `offset` that contains `text`, waiting up to `timeout` for it to
    /// arrive; `offset` moves past every line looked at.
    public func line(containing text: String, after offset: inout Int, timeout: Duration) -> String? {
        var searched = offset
        // `.some(nil)` ends the wait early: the pipe is closed and no such line came.
        let found: String?? = state.wait(timeout: timeout) { state in
            while let newline = state.bytes[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: state.bytes[searched..<newline], as: UTF8.self)
                searched = newline + 1
                if line.contains(text) { return .some(line) }
            }
            return state.ended ? .some(nil) : nil
        }
        offset = searched
        return found ?? nil
    }
}
