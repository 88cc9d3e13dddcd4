import Foundation
import HTTPProbe
import TestSupport

/// The built `app` binary, run as a child process the way Docker and the course run it.
enum AppProcess {
    /// How long a command or a server start may take before the test gives up on it. Generous: a debug build on
    /// a machine busy with other work starts in well under a second, but a bound only guards against a hang.
    static let patience: Duration = .seconds(60)

    /// `app` sits beside the test executable in the build directory.
    static var binary: String {
        let testExecutable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: testExecutable).deletingLastPathComponent().appendingPathComponent("app").path
    }

    /// The given variables plus the sanitizers' options, so a sanitized test run configures its children too.
    static func environment(_ variables: [String: String]) -> [String: String] {
        let sanitizerOptions = ProcessInfo.processInfo.environment.filter { $0.key.hasSuffix("SAN_OPTIONS") }
        return sanitizerOptions.merging(variables) { $1 }
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `app arguments...` to completion with exactly `environment`.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let child = try ChildProcess(
            executable: binary, arguments: arguments, environment: Self.environment(environment), separateErrors: true)
        guard let status = child.waitForExit(timeout: patience) else {
            throw ChildProcess.Failure(
                description: "app \(arguments.joined(separator: " ")) still running after \(patience); "
                    + "output so far: \(child.output.text)")
        }
        // The pipes close when the process exits (it starts no children): the rest of the output is on its way.
        child.output.waitForEnd(timeout: patience)
        child.errors?.waitForEnd(timeout: patience)
        return Result(status: status, stdout: child.output.text, stderr: child.errors?.text ?? "")
    }
}

/// A running `app serve`, with the port it reported in its startup line. Its standard output and error are read
/// as they come, into one log, as Docker reads a container's.
final class RunningServer {
    let child: ChildProcess
    private(set) var port = 0
    /// The line that announced the start, with the ports and settings in use.
    private(set) var startupLine = ""
    /// Where the next `line(containing:)` starts looking.
    private var searchedUpTo = 0

    /// `keepsReading: false` stops reading the output after the startup line, as a stuck log shipper would.
    init(environment: [String: String] = [:], keepsReading: Bool = true) throws {
        let variables = ["PORT": "0", "HOST": "127.0.0.1"].merging(environment) { $1 }
        child = try ChildProcess(
            executable: AppProcess.binary, arguments: ["serve"], environment: AppProcess.environment(variables))
        // The startup line (a DEBUG configuration line before it shows PORT as set, 0 for "any"): `port=8000` in
        // text logs, `"port":"8000"` in JSON ones.
        guard let line = line(containing: " started", timeout: AppProcess.patience),
            let range = line.range(of: " port=") ?? line.range(of: "\"port\":\""),
            let port = Int(line[range.upperBound...].prefix { $0.isNumber })
        else {
            let status = child.exitStatus.map { "exit status \($0)" } ?? "still running"
            throw ChildProcess.Failure(
                description: "app serve printed no startup line (\(status)); its output: \(child.output.text)")
        }
        self.port = port
        startupLine = line
        if !keepsReading { child.output.stopReading() }
    }

    /// Everything the server has written so far.
    var allOutput: String { child.output.text }

    /// The next whole line the server writes that contains `text`, waiting up to `timeout`.
    func line(containing text: String, timeout: Duration = .seconds(10)) -> String? {
        child.output.line(containing: text, after: &searchedUpTo, timeout: timeout)
    }

    func get(_ path: String) throws -> (status: Int, body: String) {
        let (status, body) = try HTTPProbe.get(path, host: "127.0.0.1", port: port, timeout: .seconds(10))
        return (status, String(decoding: body, as: UTF8.self))
    }

    /// Requests the server has received and not yet answered, leaving out the scrape of /metrics that asks.
    func requestsInFlight() throws -> Int {
        let metrics = try get("/metrics").body
        let sample = metrics.split(separator: "\n").first { $0.hasPrefix("http_requests_in_flight ") }
        return (sample.flatMap { Int($0.split(separator: " ")[1]) } ?? 0) - 1
    }

    /// Waits until `count` requests are in the server's hands (not merely sent), up to `AppProcess.patience`.
    func waitForRequestsInFlight(_ count: Int) throws {
        try waitFor("\(count) requests in flight") { try requestsInFlight() >= count }
    }

    /// Waits until the server refuses new connections: its listener is closed.
    func waitUntilRefusingConnections() throws {
        try waitFor("the listener to close") { (try? TestClient(port: port)) == nil }
    }

    /// Looks at `condition` every 10 ms until it holds; throws after `AppProcess.patience`.
    func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + AppProcess.patience
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                throw ChildProcess.Failure(description: "gave up waiting for \(what) after \(AppProcess.patience)")
            }
            usleep(10_000)
        }
    }

    /// Sends `signal` and waits for the exit status, up to `timeout` (nil if it is still running then).
    func stop(with signal: Int32 = SIGTERM, timeout: Duration = AppProcess.patience) -> Int32? {
        child.signal(signal)
        return child.waitForExit(timeout: timeout)
    }
}
