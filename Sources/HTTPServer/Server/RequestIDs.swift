import TextEscaping

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
    mutating func id(for headers: HTTPHeaders) -> RequestID {
        var offered: String?
        for field in headers where asciiCaseInsensitiveEquals(field.name, "x-request-id") {
            guard offered == nil else { return next() }
            offered = field.value
        }
        if let offered, Self.isAcceptable(offered) { return RequestID(offered) }
        return next()
    }

    /// A new id: the prefix and the next count.
    mutating func next() -> RequestID {
        counter += 1
        return RequestID(prefix: prefix, counter: counter)
    }
}

/// One request's id, held as the server made it until its text is wanted: a made-up id is written straight
/// into the response head from its loop's prefix and its count, and becomes a `String` only when a handler
/// or a log line asks for one.
struct RequestID: Sendable {
    private enum Form: Sendable {
        case text(String)
        case counted(prefix: [UInt8], counter: UInt64)
    }

    private let form: Form

    init(_ text: String) { form = .text(text) }

    init(prefix: [UInt8], counter: UInt64) { form = .counted(prefix: prefix, counter: counter) }

    var isGenerated: Bool {
        if case .counted = form { return true }
        return false
    }

    var text: String {
        switch form {
        case .text(let text):
            return text
        case .counted(let prefix, let counter):
            let digits = Self.hexDigitCount(counter)
            return String(unsafeUninitializedCapacity: prefix.count + digits) { buffer in
                let end = buffer.initialize(fromContentsOf: prefix)
                Self.writeHex(counter, digits: digits, into: UnsafeMutableBufferPointer(rebasing: buffer[end...]))
                return end + digits
            }
        }
    }

    func append(to bytes: inout [UInt8]) {
        switch form {
        case .text(let text):
            appendUTF8(text, to: &bytes)
        case .counted(let prefix, let counter):
            bytes.append(contentsOf: prefix)
            let digits = Self.hexDigitCount(counter)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: digits) { buffer in
                Self.writeHex(counter, digits: digits, into: buffer)
                bytes.append(contentsOf: buffer)
            }
        }
    }

    private static func hexDigitCount(_ value: UInt64) -> Int {
        max(1, (UInt64.bitWidth - value.leadingZeroBitCount + 3) / 4)
    }

    /// `value` in lowercase hexadecimal, most significant digit first, in the first `digits` bytes.
    private static func writeHex(_ value: UInt64, digits: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        for position in 0..<digits {
            let digit = UInt8(truncatingIfNeeded: value >> (4 * UInt64(digits - 1 - position))) & 0xF
            buffer[position] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
        }
    }
}
