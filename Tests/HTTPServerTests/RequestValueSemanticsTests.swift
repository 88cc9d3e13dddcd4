import Testing

@testable import HTTPServer

/// A request keeps its fields in a shared box: changing one copy must never change another.
@Suite struct RequestValueSemanticsTests {
    @Test func copiesAreIndependent() {
        let original = Request(
            method: "GET", target: "/a?x=1", path: "/a", query: "x=1", headers: HTTPHeaders([("host", "h")]))
        var copy = original
        copy.method = "POST"
        copy.path = "/b"
        copy.query = nil
        copy.headers.add("x-extra", "1")
        copy.body = [1, 2, 3]
        copy.pathParameters = ["id": "7"]
        copy.id = "changed"
        copy.remoteAddress = "10.0.0.1"
        #expect(original.method == "GET" && original.path == "/a" && original.query == "x=1")
        #expect(original.headers.count == 1 && original.body.isEmpty && original.pathParameters.isEmpty)
        #expect(original.id == "" && original.remoteAddress == "-")
        #expect(copy.method == "POST" && copy.headers.count == 2 && copy.id == "changed")
    }

    @Test func aCopyTakenAfterAChangeSeesIt() {
        var request = Request(method: "GET", target: "/", path: "/")
        request.id = "first"
        let snapshot = request
        request.id = "second"
        #expect(snapshot.id == "first" && request.id == "second")
    }
}
