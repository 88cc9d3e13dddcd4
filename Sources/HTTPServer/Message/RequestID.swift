import TextEscaping

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

    /// How many bytes `append` writes.
    var byteCount: Int {
        switch form {
        case .text(let text): text.utf8.count
        case .counted(let prefix, let counter): prefix.count + Self.hexDigitCount(counter)
        }
    }

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

    /// Appends the id; a made-up id is written from its prefix and count, never made into a `String`.
    func append(to bytes: inout ByteWriter) {
        switch form {
        case .text(let text):
            bytes.append(utf8: text)
        case .counted(let prefix, let counter):
            bytes.append(prefix)
            let digits = Self.hexDigitCount(counter)
            bytes.appendInPlace(maximum: digits) { buffer in
                Self.writeHex(counter, digits: digits, into: buffer)
                return digits
            }
        }
    }

    /// Lends the id's bytes; a made-up id is written into stack memory, never made into a `String`.
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        switch form {
        case .text(let text):
            return withUTF8Bytes(of: text, body)
        case .counted(let prefix, let counter):
            let digits = Self.hexDigitCount(counter)
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefix.count + digits) { buffer in
                let end = buffer.initialize(fromContentsOf: prefix)
                Self.writeHex(counter, digits: digits, into: UnsafeMutableBufferPointer(rebasing: buffer[end...]))
                return body(UnsafeBufferPointer(buffer))
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
