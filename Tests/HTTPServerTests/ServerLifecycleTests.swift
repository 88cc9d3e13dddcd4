import TestSupport
import Testing

@testable import HTTPServer

/// `start()` and `executeAndWait` check that they are used as documented.
@Suite(.blockingIO) struct ServerLifecycleTests {
    @Test func startingTwiceStopsTheProcessInsteadOfBindingTwice() async {
        await #expect(processExitsWith: .failure) {
            guard let address = SocketAddress(host: "127.0.0.1", port: 0) else { return }
            let server = HTTPServer(configuration: ServerConfiguration(address: address), router: Router())
            _ = try? server.start()
            _ = try? server.start()
        }
    }

    @Test func executeAndWaitOnTheLoopsOwnThreadStopsTheProcessInsteadOfHanging() async {
        await #expect(processExitsWith: .failure) {
            guard let address = SocketAddress(host: "127.0.0.1", port: 0),
                let (listener, _) = try? Socket.listen(on: address, backlog: 8),
                let loop = try? EventLoop(
                    index: 0,
                    context: ServerContext(
                        configuration: ServerConfiguration(address: address), router: Router(), observer: nil,
                        statistics: ServerStatistics()))
            else { return }
            try? loop.start(listener: listener)
            loop.executeAndWait { loop.executeAndWait {} }
        }
    }

    /// A start that fails (the port is taken) leaves the server as it was: it can be started once the port is free.
    @Test func aFailedStartCanBeRetried() throws {
        let address = try #require(SocketAddress(host: "127.0.0.1", port: 0))
        let first = HTTPServer(configuration: ServerConfiguration(address: address), router: Router())
        let bound = try first.start()
        let second = HTTPServer(
            configuration: ServerConfiguration(
                address: try #require(SocketAddress(host: "127.0.0.1", port: bound.port))),
            router: Router())
        #expect(throws: SystemCallError.self) { try second.start() }
        #expect(throws: SystemCallError.self) { try second.start() }
    }
}
