/// Finds each request's handler, counts it in the statistics, and tells the server's owner what was answered.
/// Knows nothing of sockets: the connection hands it requests and writes what it answers.
/// A class, so that reaching it from a connection is one reference, not a copy of the router and observer.
final class RequestDispatcher: Sendable {
    let router: Router
    let statistics: ServerStatistics
    let observer: RequestObserver?

    init(router: Router, statistics: ServerStatistics, observer: RequestObserver?) {
        self.router = router
        self.statistics = statistics
        self.observer = observer
    }

    enum Outcome {
        /// Answered on the loop's thread: not found, not allowed, or a synchronous handler.
        case answered(Response, route: String?)
        /// An async handler must run off the loop; call `handlerFinished()` when it returns.
        case handOff(@Sendable (Request) async -> Response, route: String)
    }

    /// Sets the request's path parameters when a route matches.
    func dispatch(_ request: Request) -> Outcome {
        statistics.requestStarted()
        switch router.match(request) {
        case .notFound:
            statistics.requestFinished()
            return .answered(Response.error(.notFound, "not found"), route: nil)
        case .methodNotAllowed(let allowed):
            statistics.requestFinished()
            let headers = HTTPHeaders([("Allow", allowed.joined(separator: ", "))])
            return .answered(Response.error(.methodNotAllowed, "method not allowed", headers: headers), route: nil)
        case .found(let handler, let pattern, let parameters):
            // In place, as the connection's own fields are: no handler has seen the request yet.
            if !parameters.isEmpty { request.storage.pathParameters = parameters }
            switch handler {
            case .sync(let handle):
                let response = handle(request)
                statistics.requestFinished()
                return .answered(response, route: pattern)
            case .async(let handle):
                return .handOff(handle, route: pattern)
            }
        }
    }

    /// Counted out when the handler returns, even if its connection closed meanwhile.
    func handlerFinished() {
        statistics.requestFinished()
    }

    /// Reports an answered request; `started` and `now` are monotonic nanoseconds.
    func record(_ request: Request, route: String?, status: HTTPStatus, bodyBytes: Int, started: UInt64, now: UInt64) {
        guard let observer else { return }
        observer(
            RequestRecord(
                request: request, route: route, status: status.code, bodyBytes: bodyBytes,
                nanoseconds: Int64(now &- started)))
    }
}
