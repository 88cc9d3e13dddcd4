/// `X-Request-ID` values for one event loop. A client's own id is kept when it is 1 to 128 characters of
/// `[A-Za-z0-9._-]`, which is safe to echo in a header and a log line; otherwise one is made up: a random
/// prefix per loop (so loops and restarts do not collide) and a counter.
struct RequestIDs {
    /// Sixteen hex digits and a dash, as bytes: copied into every id this loop makes.
    private let prefix: [UInt8]
    private var counter: UInt64 = 0

    init() {
        var generator = SystemRandomNumberGenerator()
        let random = String(generator.next() as UInt64, radix: 16)
        prefix = Array((String(repeating: "0", count: 16 - random.count) + random + "-").utf8)
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

    /// The prefix and the counter in hexadecimal, written straight into the new string.
    mutating func next() -> String {
        counter += 1
        let counter = self.counter
        let digits = max(1, (UInt64.bitWidth - counter.leadingZeroBitCount + 3) / 4)
        return prefix.withUnsafeBufferPointer { prefix in
            String(unsafeUninitializedCapacity: prefix.count + digits) { buffer in
                _ = buffer.initialize(fromContentsOf: prefix)
                for position in 0..<digits {
                    let digit = UInt8(truncatingIfNeeded: counter >> (4 * UInt64(digits - 1 - position))) & 0xF
                    buffer[prefix.count + position] =
                        digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                }
                return prefix.count + digits
            }
        }
    }
}
