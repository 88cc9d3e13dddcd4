/// `X-Request-ID` values for one event loop. A client's own id is kept when it is 1 to 128 characters of
/// `[A-Za-z0-9._-]`, which is safe to echo in a header and a log line; otherwise one is made up: a random
/// prefix per loop (so loops and restarts do not collide) and a counter.
struct RequestIDs {
    private let prefix: String
    private var counter: UInt64 = 0

    init() {
        var generator = SystemRandomNumberGenerator()
        let random = String(generator.next() as UInt64, radix: 16)
        prefix = String(repeating: "0", count: 16 - random.count) + random + "-"
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

    /// The id for a request with these headers. More than one `X-Request-ID` field is not a usable id.
    mutating func id(for headers: HTTPHeaders) -> String {
        var offered: String?
        for field in headers where asciiCaseInsensitiveEquals(field.name, "x-request-id") {
            guard offered == nil else { return next() }
            offered = field.value
        }
        if let offered, Self.isAcceptable(offered) { return offered }
        return next()
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The prefix and the counter in hexadecimal, written straight into the new string.
    mutating func next() -> String {
        counter += 1
        var digits = 1
        while digits < 16 && counter >> (4 * UInt64(digits)) != 0 { digits += 1 }
        return String(unsafeUninitializedCapacity: prefix.utf8.count + digits) { buffer in
            var index = 0
            for byte in prefix.utf8 {
                buffer[index] = byte
                index += 1
            }
            for position in stride(from: digits - 1, through: 0, by: -1) {
                buffer[index] = Self.hexDigits[Int((counter >> (4 * UInt64(position))) & 0xF)]
                index += 1
            }
            return index
        }
    }
}
