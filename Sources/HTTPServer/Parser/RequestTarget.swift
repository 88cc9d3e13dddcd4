import TextEscaping

/// The four request-target forms of RFC 9112 section 3.2, reduced to a decoded path and a raw query.
enum RequestTarget {
    /// `target` is the request line's, in place: nothing is copied until the path and query are made.
    static func split(_ target: UnsafeBufferPointer<UInt8>, method: String) throws(HTTPParseError)
        -> (path: String, query: String?)
    {
        if target.count == 1 && target[0] == UInt8(ascii: "*") {
            guard method == "OPTIONS" else { throw .invalidTarget }
            return ("*", nil)
        }
        if target.first == UInt8(ascii: "/") {
            return try originForm(target)
        }
        if let pathStart = try absoluteFormPathStart(target) {
            // An empty path means "/" (RFC 9112 section 3.2.2), with or without a query.
            if pathStart == target.count { return ("/", nil) }
            if target[pathStart] == UInt8(ascii: "?") {
                let withSlash = [UInt8(ascii: "/")] + target[pathStart...]
                return try withSlash.withUnsafeBufferPointer { (bytes) throws(HTTPParseError) in try originForm(bytes) }
            }
            return try originForm(UnsafeBufferPointer(rebasing: target[pathStart...]))
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

    private static func originForm(_ target: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> (String, String?) {
        if target.contains(UInt8(ascii: "#")) { throw .invalidTarget }
        let questionMark = target.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = target[..<(questionMark ?? target.endIndex)]
        let query = questionMark.map { String(decoding: target[($0 + 1)...], as: UTF8.self) }
        // Most paths have nothing to decode.
        if !rawPath.contains(UInt8(ascii: "%")) { return (String(decoding: rawPath, as: UTF8.self), query) }
        guard let path = decodedKeepingSlashes(rawPath), !path.contains(0) else { throw .invalidTarget }
        return (String(decoding: path, as: UTF8.self), query)
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
