/// `X-Request-ID` values for one event loop. A client's own id is kept when it is 1 to 128 characters of
/// `[A-Za-z0-9._-]`, which is safe to echo in a header and a log line; otherwise one is made up: a random
/// prefix per loop (so loops and restarts do not collide) and a counter.
struct RequestIDs {
    /// Written, with a dash, at the start of every id this loop makes.
    private let prefix: RequestID.Prefix
    private var counter: UInt64 = 0

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = RequestID.Prefix(generator.next())
    }

    static let maxLength = 128

    static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= maxLength
            && bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// The id for this request. More than one `X-Request-ID` field is not a usable id.
    mutating func id(for request: Request) -> RequestID {
        // Looked for in place: most requests have none, and then no string is made.
        guard request.storage.hasField(.requestID) else { return next() }
        let offered = request.storage.fieldValues(.requestID)
        if offered.count == 1, Self.isAcceptable(offered[0]) { return RequestID(offered[0]) }
        return next()
    }

    /// A new id: the prefix and the next count.
    mutating func next() -> RequestID {
        counter += 1
        return RequestID(prefix: prefix, counter: counter)
    }
}
