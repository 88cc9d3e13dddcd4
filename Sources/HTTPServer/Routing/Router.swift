import Glibc
import TextEscaping

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
        /// By method, in a list rather than a dictionary: a route has one to four, and a scan of short
        /// strings is cheaper than hashing the request's method.
        var handlers: [(method: String, handler: Handler)]

        func handler(for method: String) -> Handler? {
            handlers.first { $0.method == method }?.handler
        }

        mutating func set(_ handler: Handler, for method: String) {
            if let index = handlers.firstIndex(where: { $0.method == method }) {
                handlers[index].handler = handler
            } else {
                handlers.append((method, handler))
            }
        }
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case capture(String)
    }

    private var routes: [Route] = []
    /// Routes without captures, with their path: most requests (`/health`, `/metrics`) are found without
    /// splitting the path. A literal route therefore wins over a capture route that would match the same path.
    /// A list rather than a dictionary: comparing a short path with a few dozen others costs less than
    /// hashing it.
    private var literalRoutes: [(path: [UInt8], index: Int)] = []

    public init() {}

    /// Registers `handler` for `method` on `pattern`. A GET route also answers HEAD.
    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = Self.segments(of: pattern).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2
                ? Segment.capture(String(part.dropFirst().dropLast())) : Segment.literal(String(part))
        }
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].set(handler, for: method)
        } else {
            routes.append(Route(pattern: pattern, segments: segments, handlers: [(method, handler)]))
            if !segments.contains(where: { if case .capture = $0 { true } else { false } }) {
                literalRoutes.append((Array(pattern.utf8), routes.count - 1))
            }
        }
    }

    public mutating func get(_ pattern: String, _ handler: @escaping @Sendable (Request) -> Response) {
        add("GET", pattern, .sync(handler))
    }

    public func match(method: String, path: String) -> Match {
        match(method: method, literalRoute: withUTF8Bytes(of: path, literalRouteIndex), path: path)
    }

    /// The request's route, found by comparing its path's bytes where they arrived: a path becomes a
    /// `String` only when no literal route has it.
    func match(_ request: Request) -> Match {
        match(method: request.method, literalRoute: request.withPathBytes(literalRouteIndex), path: request.path)
    }

    private func literalRouteIndex(_ path: UnsafeBufferPointer<UInt8>) -> Int? {
        literalRoutes.first { route in
            route.path.count == path.count && route.path.withUnsafeBufferPointer { sameBytes($0, path) }
        }?.index
    }

    private func match(method: String, literalRoute: Int?, path: @autoclosure () -> String) -> Match {
        if let index = literalRoute, let handler = Self.handler(for: method, in: routes[index]) {
            return .found(handler, pattern: routes[index].pattern, parameters: [:])
        }
        let parts = Self.segments(of: path())
        var allowed: Set<String> = []
        for route in routes {
            guard let parameters = Self.capture(route.segments, from: parts) else { continue }
            if let handler = Self.handler(for: method, in: route) {
                return .found(handler, pattern: route.pattern, parameters: parameters)
            }
            allowed.formUnion(route.handlers.map(\.method))
            if route.handler(for: "GET") != nil { allowed.insert("HEAD") }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed.sorted())
    }

    private static func handler(for method: String, in route: Route) -> Handler? {
        if let handler = route.handler(for: method) { return handler }
        return method == "HEAD" ? route.handler(for: "GET") : nil
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

/// `memcmp` rather than `elementsEqual`, whose generic loop costs more than the rest of the lookup.
private func sameBytes(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Bool {
    guard first.count == second.count else { return false }
    guard let firstStart = first.baseAddress, let secondStart = second.baseAddress else { return true }
    return memcmp(firstStart, secondStart, first.count) == 0
}
