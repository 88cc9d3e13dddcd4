import Foundation
import Glibc
import TestSupport
import Testing

@Suite(.blockingIO) struct ChildProcessTests {
    private static let patience: Duration = .seconds(60)

    @Test func reportsTheExitStatusAndBothOutputs() throws {
        let child = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"], environment: [:],
            separateErrors: true)
        #expect(child.waitForExit(timeout: Self.patience) == 3)
        #expect(child.output.waitForEnd(timeout: Self.patience))
        #expect(child.errors?.waitForEnd(timeout: Self.patience) == true)
        #expect(child.output.text == "out\n")
        #expect(child.errors?.text == "err\n")
    }

    @Test func aSignalIsReportedAsOneHundredTwentyEightPlusItsNumber() throws {
        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["300"], environment: [:])
        #expect(child.waitForExit(timeout: .milliseconds(10)) == nil)
        child.signal(SIGTERM)
        #expect(child.waitForExit(timeout: Self.patience) == 128 + SIGTERM)
    }

    @Test func aMissingExecutableIsAnErrorNamingIt() {
        #expect {
            try ChildProcess(executable: "/no/such/program", arguments: [], environment: [:])
        } throws: { error in
            String(describing: error) == "cannot start /no/such/program: No such file or directory"
        }
    }

    /// A descriptor the child inherited could be the test runner's output pipe, which the runner then waits on
    /// for as long as the child lives.
    @Test func theChildGetsNoDescriptorButItsStandardThree() throws {
        // Opened without close-on-exec, as a careless test might.
        let stray = open("/dev/null", O_RDONLY)
        defer { close(stray) }
        let child = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", "ls /proc/$$/fd"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(child.waitForExit(timeout: Self.patience) == 0)
        #expect(child.output.waitForEnd(timeout: Self.patience))
        #expect(child.output.text == "0\n1\n2\n")
    }

    @Test func theChildDiesWithTheTestProcessHoweverItEnds() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
        defer { unlink(pidFile) }
        // The test process is killed outright: no deinit, no cleanup of any kind runs.
        await #expect(processExitsWith: .signal(SIGKILL)) { [pidFile = pidFile as String] in
            guard let child = try? ChildProcess(executable: "/bin/sleep", arguments: ["300"], environment: [:])
            else { return }
            _ = FileManager.default.createFile(atPath: pidFile, contents: Data(String(child.pid).utf8))
            kill(getpid(), SIGKILL)
        }
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let pid = try #require(pid_t(text))
        let deadline = ContinuousClock.now + Self.patience
        while Self.isRunning(pid) && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(!Self.isRunning(pid), "sleep (pid \(pid)) outlived the process that started it")
    }

    /// Gone, or a zombie waiting for whoever adopted it to reap it, is not running.
    private static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { return false }
        return !stat[afterName...].hasPrefix(") Z")
    }
}
