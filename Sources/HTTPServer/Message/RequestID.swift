import TextEscaping

/// One request's id, held as the server made it until its text is wanted: a made-up id is two numbers, its
/// loop's prefix and its count, written straight into the response head as hexadecimal, and becomes a
/// `String` only when a handler or a log line asks for one. Two numbers cost nothing to copy, where bytes in
/// an array would be counted in and out at every hand-over.
struct RequestID: Sendable {
    private enum Form: Sendable {
        case text(String)
        /// Written `<prefix>-<counter, hex>`.
        case counted(prefix: Prefix, counter: UInt64)
    }

    /// A loop's prefix: a random number's sixteen hex digits, as two words of ASCII, made once per loop and
    /// written with two stores.
    struct Prefix: Sendable {
        fileprivate let words: (UInt64, UInt64)

        init(_ value: UInt64) {
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { bytes in
                RequestID.writeHex(value, digits: 16, into: bytes.bindMemory(to: UInt8.self))
            }
            self.words = words
        }
    }

    private let form: Form

    init(_ text: String) { form = .text(text) }

    init(prefix: Prefix, counter: UInt64) { form = .counted(prefix: prefix, counter: counter) }

    init(prefix: UInt64, counter: UInt64) { self.init(prefix: Prefix(prefix), counter: counter) }

    /// How many bytes `append` writes.
    var byteCount: Int {
        switch form {
        case .text(let text): text.utf8.count
        case .counted(_, let counter): Self.prefixLength + Self.hexDigitCount(counter)
        }
    }

    /// Sixteen digits and the dash.
    private static let prefixLength = 17

    var isGenerated: Bool {
        if case .counted = form { return true }
        return false
    }

    var text: String {
        switch form {
        case .text(let text):
            text
        case .counted(let prefix, let counter):
            String(unsafeUninitializedCapacity: byteCount) { Self.write(prefix, counter, into: $0) }
        }
    }

    /// Appends the id; a made-up id is written from its prefix and count, never made into a `String`.
    func append(to bytes: inout ByteWriter) {
        switch form {
        case .text(let text):
            bytes.append(utf8: text)
        case .counted(let prefix, let counter):
            bytes.appendInPlace(maximum: byteCount) { Self.write(prefix, counter, into: $0) }
        }
    }

    /// Lends the id's bytes; a made-up id is written into stack memory, never made into a `String`.
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        switch form {
        case .text(let text):
            return withUTF8Bytes(of: text, body)
        case .counted(let prefix, let counter):
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: byteCount) { buffer in
                body(UnsafeBufferPointer(rebasing: buffer[..<Self.write(prefix, counter, into: buffer)]))
            }
        }
    }

    /// Writes a made-up id at the start of `buffer`, which has room for it; returns its length.
    private static func write(_ prefix: Prefix, _ counter: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>)
        -> Int
    {
        UnsafeMutableRawBufferPointer(buffer).storeBytes(of: prefix.words.0, toByteOffset: 0, as: UInt64.self)
        UnsafeMutableRawBufferPointer(buffer).storeBytes(of: prefix.words.1, toByteOffset: 8, as: UInt64.self)
        buffer[16] = UInt8(ascii: "-")
        let digits = hexDigitCount(counter)
        writeHex(counter, digits: digits, into: UnsafeMutableBufferPointer(rebasing: buffer[prefixLength...]))
        return prefixLength + digits
    }

    private static func hexDigitCount(_ value: UInt64) -> Int {
        max(1, (UInt64.bitWidth - value.leadingZeroBitCount + 3) / 4)
    }

    /// `value` in lowercase hexadecimal, most significant digit first, in the first `digits` bytes. From
    /// the last digit back, one nibble at a time.
    fileprivate static func writeHex(_ value: UInt64, digits: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        var rest = value
        var position = digits
        while position > 0 {
            position -= 1
            let digit = UInt8(truncatingIfNeeded: rest & 0xF)
            buffer[position] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit
            rest >>= 4
        }
    }
}
