import Foundation
import HTTPServer
import Locking

/// The built `app` binary, run as a child process the way Docker and the course run it.
struct AppProcess {
    /// `app` sits beside the test executable in the build directory.
    static var binary: URL {
        let testExecutable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: testExecutable).deletingLastPathComponent().appendingPathComponent("app")
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

    /// Runs `app arguments...` to completion with exactly `environment` (plus PATH).
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = Self.environment(environment)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A running `app serve`, with the port it reported in its startup line. Its output is read as it comes, as
/// Docker reads a container's: a pipe nobody reads fills up, and then the app's log lines are dropped.
final class RunningServer {
    let process = Process()
    private(set) var port = 0
    private let output = Pipe()
    private let received = Locked<[UInt8]>([])
    /// Where the next `line(containing:)` starts looking.
    private var searchedUpTo = 0

    /// `keepsReading: false` stops reading the output after the startup line, as a stuck log shipper would.
    init(environment: [String: String] = [:], keepsReading: Bool = true) throws {
        process.executableURL = AppProcess.binary
        process.arguments = ["serve"]
        process.environment = AppProcess.environment(["PORT": "0", "HOST": "127.0.0.1"].merging(environment) { $1 })
        process.standardOutput = output
        let received = self.received
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                received.withLock { $0.append(contentsOf: data) }
            }
        }
        try process.run()
        // The startup line (a DEBUG configuration line before it shows PORT as set, 0 for "any"): `port=8000` in
        // text logs, `"port":"8000"` in JSON ones.
        guard let line = line(containing: " started", timeout: .seconds(10)),
            let range = line.range(of: " port=") ?? line.range(of: "\"port\":\""),
            let port = Int(line[range.upperBound...].prefix { $0.isNumber })
        else { throw CocoaError(.fileReadUnknown) }
        self.port = port
        if !keepsReading { output.fileHandleForReading.readabilityHandler = nil }
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        output.fileHandleForReading.readabilityHandler = nil
    }

    /// Everything the server has written so far.
    var allOutput: String {
        String(decoding: received.withLock { $0 }, as: UTF8.self)
    }

    /// The next whole line the server writes that contains `text`, waiting up to `timeout`.
    func line(containing text: String, timeout: Duration = .seconds(5)) -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let bytes = received.withLock { $0 }
            var lineStart = searchedUpTo
            while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: bytes[lineStart..<newline], as: UTF8.self)
                lineStart = newline + 1
                searchedUpTo = lineStart
                if line.contains(text) { return line }
            }
            usleep(5_000)
        }
        return nil
    }

    func get(_ path: String) throws -> (status: Int, body: String) {
        let (status, body) = try HTTPProbe.get(path, host: "127.0.0.1", port: port, timeout: .seconds(5))
        return (status, String(decoding: body, as: UTF8.self))
    }

    /// Sends `signal` and waits for the exit status, up to `timeout`.
    func stop(with signal: Int32 = SIGTERM, timeout: Duration = .seconds(5)) -> Int32? {
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            usleep(10_000)
        }
        return process.isRunning ? nil : process.terminationStatus
    }
}
