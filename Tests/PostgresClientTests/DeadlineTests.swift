import DeadlineSocket
import Glibc
import TestSupport
import Testing

@testable import PostgresClient

/// A PostgreSQL that has stopped (SIGSTOP, a full disk, a network partition) looks like this: the kernel
/// accepts the connection and nothing ever answers. Every wait on it must end at the caller's deadline.
/// Each bound is wide (the tests run in parallel on two cores) and still far below the wait it rules out.
@Suite(.blockingIO) struct DeadlineTests {
    private func elapsed(_ work: () async throws(PostgresError) -> Void) async -> (Duration, PostgresError?) {
        let started = ContinuousClock.now
        do {
            try await work()
            return (ContinuousClock.now - started, nil)
        } catch {
            return (ContinuousClock.now - started, error)
        }
    }

    @Test func connectingEndsAtTheQueryDeadlineNotTheConnectTimeout() async throws {
        let server = try SilentServer()
        let pool = PostgresPool(configuration: server.configuration(connectTimeout: .seconds(30)), size: 1)
        let (took, error) = await elapsed { () throws(PostgresError) in
            _ = try await pool.query("SELECT 1", deadline: Deadline(after: .milliseconds(400)))
        }
        // Kept listening until here: released after its last use above, it would close the listener and reset
        // the connection, which the client rightly reports as closed, not timed out.
        withExtendedLifetime(server) {}
        #expect(error?.kind == .timeout)
        #expect(took < .seconds(10))
    }

    /// Used to wait in line with no deadline: behind a request holding the only connection, forever.
    @Test func waitingForAConnectionEndsAtTheQueryDeadline() async throws {
        let server = try SilentServer()
        let pool = PostgresPool(configuration: server.configuration(connectTimeout: .seconds(30)), size: 1)
        let holder = Task { try? await pool.query("SELECT 1", deadline: Deadline(after: .seconds(30))) }
        defer { holder.cancel() }
        let held = try await server.acceptOne()
        defer { close(held) }
        let (took, error) = await elapsed { () throws(PostgresError) in
            _ = try await pool.query("SELECT 1", deadline: Deadline(after: .milliseconds(300)))
        }
        #expect(error?.kind == .timeout)
        #expect(error?.description.contains("waiting for one of the 1 connections") == true)
        #expect(took < .seconds(10))
    }

    @Test func aWaiterThatTimedOutIsNeverHandedAConnection() async throws {
        let server = try SilentServer()
        let pool = PostgresPool(configuration: server.configuration(connectTimeout: .seconds(30)), size: 1)
        let holder = Task { try? await pool.query("SELECT 1", deadline: Deadline(after: .milliseconds(600))) }
        _ = await elapsed { () throws(PostgresError) in
            _ = try await pool.query("SELECT 1", deadline: Deadline(after: .milliseconds(100)))
        }
        _ = await holder.value
        // The slot the holder gave up must be free for the next caller, not lost to the expired waiter.
        let (took, error) = await elapsed { () throws(PostgresError) in
            _ = try await pool.query("SELECT 1", deadline: Deadline(after: .milliseconds(300)))
        }
        withExtendedLifetime(server) {}
        #expect(error?.kind == .timeout)
        #expect(error?.description.contains("waiting for one of") == false)
        #expect(took < .seconds(10))
    }

    @Test func refusedIsItsOwnKind() async {
        let configuration = PostgresConfiguration(host: "127.0.0.1", port: 1, user: "u", password: nil, database: "d")
        let (_, error) = await elapsed { () throws(PostgresError) in
            _ = try await PostgresPool(configuration: configuration, size: 1).query("SELECT 1")
        }
        #expect(error?.kind == .refused)
    }
}

/// A listening socket nobody accepts from: connections complete in the kernel and then hear nothing.
final class SilentServer {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound, listen(fd, 64) == 0 else {
            close(fd)
            throw PostgresError(.connection, "cannot listen for the test")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }

    /// Waits for a client to connect and keeps its socket, never answering: once this returns, the client is
    /// past connecting and holds its pool slot.
    func acceptOne() async throws -> Int32 {
        for _ in 0..<500 {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&ready, 1, 0) > 0 { return accept(fd, nil, nil) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw PostgresError(.timeout, "no client connected to the silent server")
    }

    func configuration(connectTimeout: Duration) -> PostgresConfiguration {
        PostgresConfiguration(
            host: "127.0.0.1", port: port, user: "u", password: "p", database: "d", connectTimeout: connectTimeout)
    }
}
