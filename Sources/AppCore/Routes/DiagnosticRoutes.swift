import Glibc
import HTTPServer

/// `/whoami` and `/status/{code}`: for watching a load balancer spread requests over replicas, and for
/// trying out probes and retries against a chosen answer.
public struct DiagnosticRoutes: Sendable {
    /// The machine's name: in Docker, the container id; in Kubernetes, the pod's name.
    let hostname: String
    /// When this instance started (RFC 3339, UTC).
    let startedAt: String
    let version: String

    /// Parts of a header's name that mark it as carrying a credential. A rule rather than a list of names,
    /// because every API invents its own (`X-Api-Key`, `X-Vault-Token`, `X-Amz-Security-Token`, `X-CSRF-Token`,
    /// `X-Forwarded-Client-Cert`): a screenshot of /whoami must leak none of them. Showing a harmless header
    /// as "[redacted]" costs nothing.
    static let credentialMarkers = [
        "auth", "token", "key", "secret", "cookie", "session", "csrf", "xsrf", "password", "passwd", "signature",
        "cert", "credential", "jwt", "principal",
    ]

    /// Header names arrive lowercased from the parser.
    static func carriesCredential(_ name: String) -> Bool {
        credentialMarkers.contains { name.contains($0) }
    }

    public init(version: String) {
        self.init(version: version, hostname: Self.machineName(), startedAt: Timestamp.now())
    }

    init(version: String, hostname: String, startedAt: String) {
        self.hostname = hostname
        self.startedAt = startedAt
        self.version = version
    }

    public func register(on router: inout Router) {
        router.get("/whoami") { request in whoami(request) }
        router.get("/status/{code}", Self.status)
    }

    /// Who answered (its name and its addresses, loopback left out), and the request as it arrived (the query
    /// included, credentials not).
    func whoami(_ request: Request) -> Response {
        var headers: [(String, JSON)] = []
        for field in request.headers {
            let value = Self.carriesCredential(field.name) ? "[redacted]" : field.value
            if let index = headers.firstIndex(where: { $0.0 == field.name }),
                case .string(let earlier) = headers[index].1
            {
                headers[index].1 = .string(earlier + ", " + value)
            } else {
                headers.append((field.name, .string(value)))
            }
        }
        let received: JSON = .object([
            ("method", .string(request.method)), ("path", .string(request.path)),
            ("query", request.query.map(JSON.string) ?? .null), ("headers", .object(headers)),
            ("remote_address", .string(request.remoteAddress)),
        ])
        return .json(
            .ok,
            .object([
                ("hostname", .string(hostname)), ("addresses", .array(interfaceAddresses().map(JSON.string))),
                ("started_at", .string(startedAt)), ("version", .string(version)), ("request", received),
            ]), headers: HTTPHeaders([("Cache-Control", "no-store")]))
    }

    /// The status asked for, 200 to 599, with `{"status": code}` where the status allows a body (the server
    /// sends 205's as empty), and the header field that the status requires (RFC 9110 section 15). A 1xx is only
    /// ever an interim answer before a final one, so it cannot be the answer: those get 400.
    @Sendable static func status(_ request: Request) -> Response {
        guard let text = request.pathParameters["code"], text.count == 3, text.allSatisfy(\.isASCIIDigit),
            let code = Int(text), (200...599).contains(code)
        else {
            return .error(.badRequest, "code must be a status from 200 to 599 (a 1xx cannot be a final answer)")
        }
        let headers = requiredFields[code].map { HTTPHeaders([$0]) } ?? HTTPHeaders()
        return .json(HTTPStatus(code: code), .object([("status", .integer(code))]), headers: headers)
    }

    /// What a client is told to do next: how to authenticate, which methods the resource takes, which protocol
    /// to switch to.
    static let requiredFields: [Int: (String, String)] = [
        401: ("WWW-Authenticate", "Bearer realm=\"status\""),
        405: ("Allow", "GET, HEAD"),
        407: ("Proxy-Authenticate", "Bearer realm=\"status\""),
        426: ("Upgrade", "HTTP/2.0"),
    ]

    /// `gethostname`, or "unknown" if it fails.
    static func machineName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "unknown" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
