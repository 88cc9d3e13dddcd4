import CTestSpawn
import Glibc

/// A process a test starts and owns. It sees none of the test process's descriptors (so it can never hold the
/// test runner's output pipe open), it is killed when the test process dies however it dies, and it is reaped by
/// its own pid with a deadline on every wait.
///
/// Not `Foundation.Process`: on Linux it learns of a child's exit through a socket pair that a child spawned at
/// the same moment by a parallel test can inherit, so `waitUntilExit()` can hang for good
/// (swift-corelibs-foundation issue 4795), and it arms Dispatch sources whose teardown races (see
/// `OutputCollector`).
public final class ChildProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    public let pid: pid_t
    /// Standard output, and standard error too unless it was asked for apart.
    public let output: OutputCollector
    public let errors: OutputCollector?
    /// Readable once the child has exited.
    private let exitDescriptor: Int32
    private let status = Condition<Int32?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment`.
    public init(
        executable: String, arguments: [String], environment: [String: String], separateErrors: Bool = false
    ) throws {
        let outputPipe = try Self.makePipe()
        let errorPipe = separateErrors ? try Self.makePipe() : nil
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let spawned = withCStrings(argv) { argv in
            withCStrings(envp) { envp in
                ctestspawn_spawn(executable, argv, envp, outputPipe.write, errorPipe?.write ?? outputPipe.write)
            }
        }
        close(outputPipe.write)
        if let errorPipe { close(errorPipe.write) }
        output = OutputCollector(reading: outputPipe.read)
        errors = errorPipe.map { OutputCollector(reading: $0.read) }
        guard spawned > 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(-spawned)))")
        }
        // Assigned only once the child is known to be watched: a class whose every property is set runs its
        // deinit when the initializer throws, and that would kill and reap the child a second time.
        let exitDescriptor = ctestspawn_pidfd_open(spawned)
        guard exitDescriptor >= 0 else {
            let error = errno
            kill(spawned, SIGKILL)
            waitpid(spawned, nil, 0)
            throw Failure(description: "pidfd_open failed (Linux 5.3 or later is needed): \(error)")
        }
        pid = spawned
        self.exitDescriptor = exitDescriptor
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: .seconds(30))
        }
        close(exitDescriptor)
    }

    public func signal(_ number: Int32) {
        // Once reaped, the pid may belong to another process.
        if exitStatus == nil { kill(pid, number) }
    }

    /// The exit status once the child has exited (128 + the signal's number if a signal ended it), else nil.
    public var exitStatus: Int32? {
        status.read { $0 }
    }

    /// Waits up to `timeout` for the child to exit; its exit status, or nil if it is still running.
    public func waitForExit(timeout: Duration) -> Int32? {
        if let known = exitStatus { return known }
        var descriptor = pollfd(fd: exitDescriptor, events: Int16(POLLIN), revents: 0)
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        var ready: Int32
        repeat { ready = poll(&descriptor, 1, milliseconds) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return nil }
        return status.update { known in
            if known == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, 0) == pid {
                    let signalled = raw & 0x7f
                    known = signalled == 0 ? (raw >> 8) & 0xff : 128 + signalled
                }
            }
            return known
        }
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard ctestspawn_pipe(&fds) == 0 else {
            throw Failure(description: "pipe2 failed: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }
}

/// Lends `strings` as a NULL-terminated array of C strings.
private func withCStrings<Result>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
) -> Result {
    let pointers = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
    for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
    pointers[strings.count] = nil
    defer {
        for index in 0..<strings.count { free(pointers[index]) }
        pointers.deallocate()
    }
    return body(pointers)
}
