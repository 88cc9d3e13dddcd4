import Glibc

/// What every event loop of one server shares: read-only settings and the statistics.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    let dispatcher: RequestDispatcher
    let statistics: ServerStatistics
    let handlerExecutor = HandlerExecutor()
    let budget: BufferBudget

    init(configuration: ServerConfiguration, router: Router, observer: RequestObserver?, statistics: ServerStatistics) {
        self.configuration = configuration
        dispatcher = RequestDispatcher(router: router, statistics: statistics, observer: observer)
        self.statistics = statistics
        budget = BufferBudget(
            limit: configuration.maxBufferedBytes, maxConnections: configuration.maxConnections,
            eventLoops: configuration.eventLoopCount, limits: configuration.limits, readSize: EventLoop.readSize,
            statistics: statistics)
    }

    /// Counts a new connection in, unless the server is at its limit.
    func reserveConnection() -> Bool {
        statistics.reserveConnection(limit: configuration.maxConnections)
    }

    func releaseConnection() {
        statistics.releaseConnection()
    }

    /// Tells a client over the connection limit why it is turned away, without waiting on it, then closes.
    func rejectOverCapacity(_ fd: Int32, requestID: RequestID) {
        statistics.countRejectedAtCapacity()
        var cache = HTTPDateCache()
        let response = Response.error(.serviceUnavailable, "too many open connections")
        let bytes = ResponseSerializer.serialize(
            response, date: cache.current(), requestID: requestID, version: .http11, keepAlive: false, isHead: false)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        shutdown(fd, Int32(SHUT_WR))
        // Closing with the client's request unread would send a reset, which can destroy the 503 before the
        // client reads it: read what has arrived first (what arrives later may still race the close).
        var discard = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<16 where recv(fd, &discard, discard.count, Int32(MSG_DONTWAIT)) > 0 {}
        close(fd)
    }
}
