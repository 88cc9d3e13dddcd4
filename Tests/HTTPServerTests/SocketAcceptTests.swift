import Glibc
import Testing

@testable import HTTPServer

/// What the server takes from the kernel at accept rather than asking for it per connection: the peer's
/// address, and TCP_NODELAY, which Linux copies from the listener to every connection it accepts.
@Suite struct SocketAcceptTests {
    @Test func anAcceptedConnectionHasNoDelayAndItsPeersAddress() throws {
        let address = try #require(SocketAddress(host: "127.0.0.1", port: 0))
        let listener = try Socket.listen(on: address, backlog: 8)
        defer { close(listener.fd) }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(client >= 0)
        defer { close(client) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(listener.port).bigEndian)
        target.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0)

        // The handshake is complete once connect returns, so the listener has it queued.
        guard case .accepted(let fd, let peer) = Socket.accept(listener.fd) else {
            Issue.record("nothing was accepted")
            return
        }
        defer { close(fd) }
        #expect(peer == "127.0.0.1")
        var noDelay: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &length) == 0)
        #expect(noDelay == 1)
    }
}
