/// What a route runs. Most handlers answer at once; `.async` ones may wait (a database, a delay)
/// without holding up the event loop.
public enum Handler: Sendable {
    case sync(@Sendable (Request) -> Response)
    case async(@Sendable (Request) async -> Response)
}

/// Maps a method and a decoded path to a handler. Patterns are literal segments or `{name}` captures.
public struct Router: Sendable {
    public enum Match: Sendable {
        case found(Handler, pattern: String, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private struct Route: Sendable {
        let pattern: String
        let segments: [Segment]
        var handlers: [String: Handler]
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case capture(String)
    }

    private var routes: [Route] = []
    /// Routes without captures, by path: most requests (`/health`, `/metrics`) are found without splitting
    /// the path. A literal route therefore wins over a capture route that would match the same path.
    private var literalRoutes: [String: Int] = [:]

    public init() {}

    /// Registers `handler` for `method` on `pattern`. A GET route also answers HEAD.
    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = Self.segments(of: pattern).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2
                ? Segment.capture(String(part.dropFirst().dropLast())) : Segment.literal(String(part))
        }
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].handlers[method] = handler
        } else {
            routes.append(Route(pattern: pattern, segments: segments, handlers: [method: handler]))
            if !segments.contains(where: { if case .capture = $0 { true } else { false } }) {
                literalRoutes[pattern] = routes.count - 1
            }
        }
    }

    public mutating func get(_ pattern: String, _ handler: @escaping @Sendable (Request) -> Response) {
        add("GET", pattern, .sync(handler))
    }

    public func match(method: String, path: String) -> Match {
        if let index = literalRoutes[path], let handler = Self.handler(for: method, in: routes[index]) {
            return .found(handler, pattern: routes[index].pattern, parameters: [:])
        }
        let parts = Self.segments(of: path)
        var allowed: Set<String> = []
        for route in routes {
            guard let parameters = Self.capture(route.segments, from: parts) else { continue }
            if let handler = Self.handler(for: method, in: route) {
                return .found(handler, pattern: route.pattern, parameters: parameters)
            }
            allowed.formUnion(route.handlers.keys)
            if route.handlers["GET"] != nil { allowed.insert("HEAD") }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed.sorted())
    }

    private static func handler(for method: String, in route: Route) -> Handler? {
        let lookup = method == "HEAD" && route.handlers["HEAD"] == nil ? "GET" : method
        return route.handlers[lookup]
    }

    private static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
    }

    private static func capture(_ segments: [Segment], from parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text):
                guard part == text else { return nil }
            case .capture(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = String(part)
            }
        }
        return parameters
    }
}
