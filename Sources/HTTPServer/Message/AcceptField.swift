/// What a client's `Accept` fields (RFC 9110 section 12.5.1) say it takes.
public struct AcceptField: Sendable {
    private struct Range {
        let type: Substring
        let subtype: Substring
        let quality: Double
    }

    private let ranges: [Range]

    /// `fields`: every `Accept` field of the request, in order (their lists join into one).
    public init(_ fields: [String]) {
        ranges = fields.flatMap(commaSeparatedTokens).compactMap(Self.range)
    }

    /// How much the client wants `mediaType` (`text/html`), from 0 to 1: the weight of the most specific
    /// range that matches it (`text/html` over `text/*` over `*/*`). With no `Accept` field at all, anything
    /// goes: 1.
    public func quality(of mediaType: String) -> Double {
        if ranges.isEmpty { return 1 }
        let parts = mediaType.lowercased().split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return 0 }
        var best: (specificity: Int, quality: Double) = (-1, 0)
        for range in ranges {
            let specificity: Int
            if range.type == parts[0] && range.subtype == parts[1] {
                specificity = 2
            } else if range.type == parts[0] && range.subtype == "*" {
                specificity = 1
            } else if range.type == "*" && range.subtype == "*" {
                specificity = 0
            } else {
                continue
            }
            if specificity > best.specificity { best = (specificity, range.quality) }
        }
        return best.quality
    }

    /// Whether the client ranks `preferred` strictly above `other`: a browser navigating ranks `text/html`
    /// above `application/json`, while `curl` (`*/*`) and a client with no `Accept` field rank them equal.
    public func prefers(_ preferred: String, over other: String) -> Bool {
        let wanted = quality(of: preferred)
        return wanted > 0 && wanted > quality(of: other)
    }

    /// `type/subtype;param=value;q=0.8`, already lowercased; nil for anything that is not a media range.
    private static func range(_ text: String) -> Range? {
        let pieces = text.split(separator: ";").map { $0.trimmingASCIIWhitespace() }
        guard let name = pieces.first else { return nil }
        let parts = name.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != "*" || parts[1] == "*" else {
            return nil
        }
        var quality = 1.0
        for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
            guard let value = Double(parameter.dropFirst(2)), (0...1).contains(value) else { return nil }
            quality = value
        }
        return Range(type: parts[0], subtype: parts[1], quality: quality)
    }
}
