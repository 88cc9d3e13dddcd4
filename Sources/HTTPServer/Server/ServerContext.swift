import Glibc
import Synchronization

/// What every event loop of one server shares: read-only settings and the open-connection count.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    let router: Router
    let observer: RequestObserver?
    let handlerExecutor = HandlerExecutor()
    private let openConnections = Atomic<Int>(0)

    init(configuration: ServerConfiguration, router: Router, observer: RequestObserver?) {
        self.configuration = configuration
        self.router = router
        self.observer = observer
    }

    var openConnectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// Counts a new connection in, unless the server is at its limit.
    func reserveConnection() -> Bool {
        let count = openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        if count > configuration.maxConnections {
            openConnections.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func releaseConnection() {
        openConnections.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Tells a client over the connection limit why it is turned away, without waiting on it, then closes.
    func rejectOverCapacity(_ fd: Int32) {
        var cache = HTTPDateCache()
        let response = Response.error(.serviceUnavailable, "too many open connections")
        let bytes = ResponseSerializer.serialize(
            response, date: cache.current(), version: .http11, keepAlive: false, isHead: false)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        shutdown(fd, Int32(SHUT_WR))
        close(fd)
    }
}
