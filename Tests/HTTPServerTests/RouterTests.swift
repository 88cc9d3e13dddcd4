import Testing

@testable import HTTPServer

@Suite struct RouterTests {
    private func router() -> Router {
        var router = Router()
        router.get("/") { _ in Response(body: Array("root".utf8)) }
        router.get("/health") { _ in Response(body: Array("health".utf8)) }
        router.get("/items/{id}") { request in Response(body: Array((request.pathParameters["id"] ?? "").utf8)) }
        router.add("DELETE", "/items/{id}", .sync { _ in Response(status: .noContent) })
        return router
    }

    private func body(_ match: Router.Match, request: Request) -> String? {
        guard case .found(.sync(let handle), _, let parameters) = match else { return nil }
        var request = request
        request.pathParameters = parameters
        return String(decoding: handle(request).body, as: UTF8.self)
    }

    @Test func matchesLiteralPaths() {
        let request = Request(method: "GET", target: "/health", path: "/health")
        #expect(body(router().match(method: "GET", path: "/health"), request: request) == "health")
        #expect(body(router().match(method: "GET", path: "/"), request: request) == "root")
    }

    @Test func capturesParameters() {
        let match = router().match(method: "GET", path: "/items/42")
        guard case .found(_, let pattern, let parameters) = match else {
            Issue.record("no match")
            return
        }
        #expect(pattern == "/items/{id}")
        #expect(parameters == ["id": "42"])
    }

    @Test func headFallsBackToGet() {
        guard case .found = router().match(method: "HEAD", path: "/health") else {
            Issue.record("HEAD should use the GET handler")
            return
        }
    }

    @Test func unknownPathIsNotFound() {
        guard case .notFound = router().match(method: "GET", path: "/nope") else {
            Issue.record("expected notFound")
            return
        }
        guard case .notFound = router().match(method: "GET", path: "/health/") else {
            Issue.record("a trailing slash is a different path")
            return
        }
        guard case .notFound = router().match(method: "GET", path: "/items/") else {
            Issue.record("an empty capture does not match")
            return
        }
    }

    @Test func wrongMethodListsAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = router().match(method: "POST", path: "/items/1") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == ["DELETE", "GET", "HEAD"])
    }
}

@Suite struct RouterLiteralRouteTests {
    @Test func aLiteralRouteWinsOverACaptureRegisteredBefore() {
        var router = Router()
        router.get("/notes/{id}") { _ in Response(body: [1]) }
        router.get("/notes/stats") { _ in Response(body: [2]) }
        guard case .found(_, let pattern, let parameters) = router.match(method: "GET", path: "/notes/stats") else {
            Issue.record("no match")
            return
        }
        #expect(pattern == "/notes/stats")
        #expect(parameters.isEmpty)
        guard case .found(_, let other, _) = router.match(method: "GET", path: "/notes/7") else {
            Issue.record("no match")
            return
        }
        #expect(other == "/notes/{id}")
    }

    @Test func aLiteralPathWithAnotherMethodFallsBackToTheFullSearch() {
        var router = Router()
        router.add("POST", "/{name}", .sync { _ in Response() })
        router.get("/health") { _ in Response() }
        guard case .found(_, let pattern, _) = router.match(method: "POST", path: "/health") else {
            Issue.record("no match")
            return
        }
        #expect(pattern == "/{name}")
    }
}
