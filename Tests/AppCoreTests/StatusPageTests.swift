import HTTPServer
import Testing

@testable import AppCore

/// `GET /` for a browser is the page; for everyone else, the JSON it always was.
@Suite struct StatusPageTests {
    private func get(_ path: String, accept: String?) throws -> Response {
        let router = AppRoutes.makeRouter(
            config: try AppConfig.load(from: ["APP_ENV": "test", "APP_VERSION": "2.0.0"]), health: HealthMonitor())
        guard case .found(.sync(let handle), _, _) = router.match(method: "GET", path: path) else {
            Issue.record("no route for \(path)")
            return Response()
        }
        let headers = accept.map { HTTPHeaders([("Accept", $0)]) } ?? HTTPHeaders()
        return handle(Request(method: "GET", target: path, path: path, headers: headers))
    }

    @Test(arguments: [nil, "*/*", "application/json", "application/json, text/html"])
    func clientsThatDoNotAskForHTMLGetTheSameJSON(_ accept: String?) throws {
        let response = try get("/", accept: accept)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["Vary"] == "Accept")
        #expect(
            String(decoding: response.body, as: UTF8.self)
                == "{\"name\": \"swift-devops-sample\", \"message\": \"Hello from a Swift app in a container\", "
                + "\"environment\": \"test\", \"version\": \"2.0.0\"}")
    }

    @Test func aBrowserGetsThePageUnderAStrictPolicy() throws {
        let response = try get("/", accept: AcceptFieldTestsAccept.chromium)
        #expect(response.status == .ok)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.headers["Vary"] == "Accept")
        let policy = response.headers["Content-Security-Policy"] ?? ""
        #expect(policy.contains("default-src 'none'"))
        #expect(policy.contains("script-src 'self';"))
        #expect(!policy.contains("unsafe"))
        let html = String(decoding: response.body, as: UTF8.self)
        // Every script and style is a file of the app's own: nothing inline, nothing from elsewhere.
        #expect(html.contains("<script src=\"/ui/page.js\" defer></script>"))
        #expect(html.contains("<link rel=\"stylesheet\" href=\"/ui/page.css\">"))
        #expect(!html.contains("<script>") && !html.contains("style=") && !html.contains("http"))
        for id in ["version", "commit", "hostname", "environment", "health", "history"] {
            #expect(html.contains("id=\"\(id)\""), "\(id)")
        }
    }

    @Test func theScriptAsksVersionAndHealthAndWritesTextOnly() throws {
        let script = try get("/ui/page.js", accept: nil)
        #expect(script.headers["Content-Type"] == "text/javascript; charset=utf-8")
        let text = String(decoding: script.body, as: UTF8.self)
        #expect(text.contains("ask(\"/version\")") && text.contains("ask(\"/health\")"))
        #expect(!text.contains("innerHTML") && !text.contains("eval("))
        #expect(try get("/ui/page.css", accept: nil).headers["Content-Type"] == "text/css; charset=utf-8")
    }
}

/// Chromium's `Accept` for a page it navigates to.
enum AcceptFieldTestsAccept {
    static let chromium =
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"
}
