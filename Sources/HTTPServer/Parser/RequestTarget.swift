import TextEscaping

/// The four request-target forms of RFC 9112 section 3.2, reduced to a decoded path and a raw query.
enum RequestTarget {
    /// `target` is the request line's, in place, at `offset` of the head: the path and query are ranges of
    /// the head, except a path that had to be decoded, or that absolute-form left empty.
    static func split(_ target: UnsafeBufferPointer<UInt8>, at offset: Int, isOptions: Bool) throws(HTTPParseError)
        -> (path: Request.Part, query: Request.Part?)
    {
        if target.count == 1 && target[0] == UInt8(ascii: "*") {
            guard isOptions else { throw .invalidTarget }
            return (.text("*"), nil)
        }
        if target.first == UInt8(ascii: "/") {
            return try originForm(target, at: offset)
        }
        if let pathStart = try absoluteFormPathStart(target) {
            let rest = UnsafeBufferPointer(rebasing: target[pathStart...])
            // An empty path means "/" (RFC 9112 section 3.2.2), with or without a query.
            if rest.first == UInt8(ascii: "/") { return try originForm(rest, at: offset + pathStart) }
            if rest.contains(UInt8(ascii: "#")) { throw .invalidTarget }
            let query = rest.isEmpty ? nil : Request.Part.bytes((offset + pathStart + 1)..<(offset + target.count))
            return (.text("/"), query)
        }
        throw .invalidTarget
    }

    /// For `http://authority/path?query`, where the path starts; nil if `target` is not absolute-form.
    private static func absoluteFormPathStart(_ target: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> Int? {
        let lowered = target.prefix(8).map(asciiLowercased)
        let schemeLength: Int
        if lowered.starts(with: Array("http://".utf8)) {
            schemeLength = 7
        } else if lowered.starts(with: Array("https://".utf8)) {
            schemeLength = 8
        } else {
            return nil
        }
        let rest = target[schemeLength...]
        let authorityEnd =
            rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? target.count
        if authorityEnd == schemeLength { throw .invalidTarget }
        return authorityEnd
    }

    private static func originForm(_ target: UnsafeBufferPointer<UInt8>, at offset: Int) throws(HTTPParseError)
        -> (Request.Part, Request.Part?)
    {
        // One pass: a fragment is refused, the first "?" ends the path, and a "%" before it needs decoding.
        var questionMark: Int?
        var hasEscapes = false
        for index in 0..<target.count {
            switch target[index] {
            case UInt8(ascii: "#"): throw .invalidTarget
            case UInt8(ascii: "?") where questionMark == nil: questionMark = index
            case UInt8(ascii: "%") where questionMark == nil: hasEscapes = true
            default: break
            }
        }
        let pathEnd = questionMark ?? target.count
        let query = questionMark.map { Request.Part.bytes((offset + $0 + 1)..<(offset + target.count)) }
        let rawPath = target[..<pathEnd]
        // Most paths have nothing to decode: then the path is where it arrived.
        if !hasEscapes { return (.bytes(offset..<(offset + pathEnd)), query) }
        guard let path = decodedKeepingSlashes(rawPath), !path.contains(0) else { throw .invalidTarget }
        return (.text(String(decoding: path, as: UTF8.self)), query)
    }

    /// Decodes every escape except `%2F`, which stays as it is: a decoded slash would split a segment in two,
    /// so `/api%2Fnotes` would be routed as `/api/notes`.
    private static func decodedKeepingSlashes(_ rawPath: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8]? {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(rawPath.count)
        var segmentStart = rawPath.startIndex
        var index = rawPath.startIndex
        while index < rawPath.endIndex {
            if rawPath[index] == UInt8(ascii: "%"), index + 2 < rawPath.endIndex,
                rawPath[index + 1] == UInt8(ascii: "2"), rawPath[index + 2] | 0x20 == UInt8(ascii: "f")
            {
                guard let part = percentDecoded(Array(rawPath[segmentStart..<index])) else { return nil }
                decoded += part + Array("%2F".utf8)
                index += 3
                segmentStart = index
            } else {
                index += 1
            }
        }
        guard let rest = percentDecoded(Array(rawPath[segmentStart...])) else { return nil }
        return decoded + rest
    }
}
