import HTTPServer
import Testing

@testable import AppCore

@Suite struct DiagnosticRoutesTests {
    private let routes = DiagnosticRoutes(
        version: "2.0.0", hostname: "replica-7", startedAt: "2026-11-28T10:00:00.000Z")

    @Test func whoamiNamesTheInstanceAndEchoesTheRequest() throws {
        var request = Request(
            method: "GET", target: "/whoami?x=1", path: "/whoami", query: "x=1",
            headers: HTTPHeaders([("host", "lb"), ("x-forwarded-for", "10.0.0.9"), ("accept", "a"), ("accept", "b")]))
        request.remoteAddress = "172.17.0.1"
        let response = routes.whoami(request)
        #expect(response.status == .ok)
        #expect(response.headers["Cache-Control"] == "no-store")
        let body = try JSONParser.parse(response.body)
        #expect(body["hostname"] == .string("replica-7"))
        #expect(body["addresses"] == .array(interfaceAddresses().map(JSON.string)))
        #expect(body["started_at"] == .string("2026-11-28T10:00:00.000Z"))
        #expect(body["version"] == .string("2.0.0"))
        let received = try #require(body["request"])
        #expect(received["method"] == .string("GET"))
        #expect(received["path"] == .string("/whoami"))
        #expect(received["query"] == .string("x=1"))
        #expect(received["remote_address"] == .string("172.17.0.1"))
        #expect(received["headers"]?["x-forwarded-for"] == .string("10.0.0.9"))
        #expect(received["headers"]?["accept"] == .string("a, b"))
    }

    @Test func whoamiNeverShowsCredentials() throws {
        let request = Request(
            method: "GET", target: "/whoami", path: "/whoami",
            headers: HTTPHeaders([
                ("authorization", "Bearer s3cret-token"), ("cookie", "session=s3cret-cookie"),
                ("proxy-authorization", "Basic s3cret-proxy"),
            ]))
        let text = String(decoding: routes.whoami(request).body, as: UTF8.self)
        #expect(!text.contains("s3cret"))
        #expect(text.contains("\"authorization\": \"[redacted]\""))
        #expect(text.contains("\"cookie\": \"[redacted]\""))
    }

    /// Header names real clients, proxies and clouds send with a credential in them, as the parser hands
    /// them over (lowercased).
    @Test(arguments: [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
        "x-vault-token", "x-amz-security-token", "x-csrf-token", "x-xsrf-token", "x-forwarded-client-cert",
        "ssl-client-cert", "x-client-cert", "x-goog-iap-jwt-assertion", "x-hub-signature-256", "x-session-id",
        "x-ms-client-principal", "x-secret", "x-password", "sec-websocket-key", "x-amz-date-signature",
        "cf-access-jwt-assertion", "x-functions-key", "ocp-apim-subscription-key", "x-upstream-credential",
    ])
    func whoamiRedactsEveryHeaderCarryingACredential(_ name: String) {
        let request = Request(
            method: "GET", target: "/whoami", path: "/whoami", headers: HTTPHeaders([(name, "s3cret-value")]))
        let text = String(decoding: routes.whoami(request).body, as: UTF8.self)
        #expect(!text.contains("s3cret"))
        #expect(text.contains("\"\(name)\": \"[redacted]\""))
    }

    @Test(arguments: [
        "host", "user-agent", "accept", "accept-encoding", "content-type", "content-length", "x-request-id",
        "x-forwarded-for", "x-forwarded-proto", "x-real-ip", "traceparent", "connection", "keep-alive", "via",
    ])
    func whoamiShowsOrdinaryHeadersAsSent(_ name: String) {
        #expect(!DiagnosticRoutes.carriesCredential(name))
    }

    @Test func statusSendsTheFieldItsCodeRequires() {
        let expected = [
            401: "WWW-Authenticate", 405: "Allow", 407: "Proxy-Authenticate", 426: "Upgrade",
        ]
        for (code, field) in expected {
            var request = Request(method: "GET", target: "/status/\(code)", path: "/status/\(code)")
            request.pathParameters = ["code": String(code)]
            let value = DiagnosticRoutes.status(request).headers.values(for: field.lowercased())
            #expect(!value.isEmpty, "\(code) without \(field)")
        }
    }

    @Test(arguments: [200, 201, 301, 404, 418, 429, 500, 503, 599])
    func statusAnswersTheCodeAskedFor(_ code: Int) {
        var request = Request(method: "GET", target: "/status/\(code)", path: "/status/\(code)")
        request.pathParameters = ["code": String(code)]
        let response = DiagnosticRoutes.status(request)
        #expect(response.status.code == code)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"status\": \(code)}")
    }

    @Test(arguments: ["100", "101", "199", "600", "99", "abc", "2000", "-200", "20"])
    func statusRefusesCodesThatCannotBeAFinalAnswer(_ code: String) {
        var request = Request(method: "GET", target: "/status/\(code)", path: "/status/\(code)")
        request.pathParameters = ["code": code]
        #expect(DiagnosticRoutes.status(request).status == .badRequest)
    }

    @Test func standardCodesKeepTheirReasonPhrases() {
        #expect(HTTPStatus(code: 429).reason == "Too Many Requests")
        #expect(HTTPStatus(code: 418).reason == "I'm a teapot")
        #expect(HTTPStatus(code: 599).reason == "")
    }
}
