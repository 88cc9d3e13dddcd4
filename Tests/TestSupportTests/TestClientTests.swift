import Dispatch
import Glibc
import Synchronization
import TestSupport
import Testing

@Suite(.blockingIO) struct TestClientTests {
    /// A client that cannot connect used to close its socket twice (once itself, once in the deinit that runs
    /// when a fully set-up object's initializer throws). The second close hit whatever another thread had been
    /// given that number meanwhile: a SQLite file ("disk I/O error"), a pipe libdispatch watched (a crash).
    @Test func aFailedConnectClosesNoDescriptorItDoesNotOwn() throws {
        let deadPort = try Self.portNobodyListensOn()
        let stop = Atomic(false)
        let lost = Atomic(0)
        let group = DispatchGroup()
        DispatchQueue(label: "descriptor owner").async(group: group) {
            while !stop.load(ordering: .relaxed) {
                let fd = open("/dev/null", O_RDONLY)
                for _ in 0..<8 where fcntl(fd, F_GETFD) == -1 { lost.add(1, ordering: .relaxed) }
                if fcntl(fd, F_GETFD) != -1 { close(fd) }
            }
        }
        for _ in 0..<20_000 { _ = try? TestClient(port: deadPort) }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(lost.load(ordering: .relaxed) == 0, "descriptors closed under their owner")
    }

    private static func portNobodyListensOn() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
