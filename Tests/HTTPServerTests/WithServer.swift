import HTTPServer
import TestSupport
import Testing

/// Starts a server on an ephemeral port for the duration of `body`.
func withServer(
    _ router: Router, configure: (inout ServerConfiguration) -> Void = { _ in }, observer: RequestObserver? = nil,
    statistics: ServerStatistics = ServerStatistics(), _ body: (HTTPServer, Int) async throws -> Void
) async throws {
    var configuration = ServerConfiguration(address: try #require(SocketAddress(host: "127.0.0.1", port: 0)))
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, router: router, observer: observer, statistics: statistics)
    let port = try server.start().port
    do {
        try await body(server, port)
    } catch {
        await server.shutdown(gracePeriod: .zero)
        throw error
    }
    await server.shutdown(gracePeriod: .seconds(1))
}
