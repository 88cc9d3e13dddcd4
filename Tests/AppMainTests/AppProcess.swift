import Foundation
import HTTPServer

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

/// A running `app serve`, with the port it reported in its startup line.
final class RunningServer {
    let process = Process()
    let port: Int
    private let output = Pipe()

    init(environment: [String: String] = [:]) throws {
        process.executableURL = AppProcess.binary
        process.arguments = ["serve"]
        process.environment = AppProcess.environment(["PORT": "0", "HOST": "127.0.0.1"].merging(environment) { $1 })
        process.standardOutput = output
        try process.run()
        port = try Self.readPort(from: output.fileHandleForReading)
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// The next line the server writes that contains `text`, waiting up to `timeout`.
    func line(containing text: String, timeout: Duration = .seconds(5)) -> String? {
        Self.line(containing: text, in: output.fileHandleForReading.fileDescriptor, timeout: timeout)
    }

    private static func line(containing text: String, in fd: Int32, timeout: Duration) -> String? {
        let deadline = ContinuousClock.now + timeout
        var line: [UInt8] = []
        while ContinuousClock.now < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else { return nil }
            if byte == UInt8(ascii: "\n") {
                let candidate = String(decoding: line, as: UTF8.self)
                if candidate.contains(text) { return candidate }
                line.removeAll()
            } else {
                line.append(byte)
            }
        }
        return nil
    }

    /// Waits for the startup line: `port=8000` in text logs, `"port":"8000"` in JSON ones.
    private static func readPort(from handle: FileHandle) throws -> Int {
        guard let line = line(containing: "port", in: handle.fileDescriptor, timeout: .seconds(10)),
            let range = line.range(of: " port=") ?? line.range(of: "\"port\":\""),
            let port = Int(line[range.upperBound...].prefix { $0.isNumber })
        else { throw CocoaError(.fileReadUnknown) }
        return port
    }

    func get(_ path: String) throws -> (status: Int, body: String) {
        let address = SocketAddress(host: "127.0.0.1", port: port)
        guard let address else { throw CocoaError(.fileReadUnknown) }
        let (status, body) = try HTTPProbe.get(path, from: address, timeout: .seconds(5))
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
