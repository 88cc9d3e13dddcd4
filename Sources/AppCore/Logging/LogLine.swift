import TextEscaping

/// One log line, encoded straight into bytes: a JSON object or `key=value` text. Access lines are written at
/// the rate requests arrive, so the line is built in scratch memory the caller lends (no allocation when it
/// fits), the common case, text with nothing to escape, is copied as it is, and only text that needs
/// escaping goes the slow way.
struct LogLine: ~Copyable {
    private var bytes: ByteWriter
    private let format: LogFormat

    /// Room for an ordinary line; a longer one moves to memory of its own.
    static let scratchBytes = 512

    /// Starts the line with its timestamp, level and message.
    init(_ format: LogFormat, level: LogLevel, message: String, scratch: UnsafeMutableBufferPointer<UInt8>) {
        self.format = format
        bytes = ByteWriter(scratch: scratch)
        switch format {
        case .json:
            bytes.append(utf8: #"{"ts":""#)
            Timestamp.appendNow(to: &bytes)
            bytes.append(utf8: #"","level":""#)
            bytes.append(utf8: level.name)
            bytes.append(utf8: #"","msg":"#)
            appendJSONString(message)
        case .text:
            Timestamp.appendNow(to: &bytes)
            bytes.append(space)
            bytes.append(utf8: level.name)
            bytes.append(space)
            if !appendIfPlain(message, allowingSpaces: true) {
                bytes.append(utf8: message.escapedForDisplay)
            }
        }
    }

    /// A string field: quoted in JSON; in text, quoted only when it is empty or holds a space, `=`, or
    /// anything that had to be escaped.
    mutating func field(_ key: StaticString, _ value: String) {
        key.withUTF8Buffer { appendKey($0) }
        appendValue(value)
    }

    /// A string field whose key comes in a `String` (a caller's list), and is escaped like a value in JSON.
    mutating func field(named key: String, _ value: String) {
        switch format {
        case .json:
            bytes.append(UInt8(ascii: ","))
            appendJSONString(key)
            bytes.append(UInt8(ascii: ":"))
        case .text:
            bytes.append(space)
            bytes.append(utf8: key)
            bytes.append(UInt8(ascii: "="))
        }
        appendValue(value)
    }

    private mutating func appendValue(_ value: String) {
        switch format {
        case .json:
            appendJSONString(value)
        case .text:
            if !value.isEmpty && appendIfPlain(value, allowingSpaces: false) { return }
            let escaped = value.escapedForDisplay
            let needsQuotes = escaped.isEmpty || escaped != value || value.contains(" ") || value.contains("=")
            if needsQuotes { bytes.append(quote) }
            bytes.append(utf8: escaped)
            if needsQuotes { bytes.append(quote) }
        }
    }

    /// A string field whose bytes `write` appends and which is known to need no escaping or quotes (a request
    /// id: letters, digits, `.`, `_` and `-`).
    mutating func field(_ key: StaticString, plain write: (inout ByteWriter) -> Void) {
        key.withUTF8Buffer { appendKey($0) }
        if format == .json { bytes.append(quote) }
        write(&bytes)
        if format == .json { bytes.append(quote) }
    }

    /// A whole number, never quoted.
    mutating func field(_ key: StaticString, integer value: Int) {
        key.withUTF8Buffer { appendKey($0) }
        bytes.append(decimal: value)
    }

    /// A decimal with two places, such as milliseconds: 150 is `1.50`. Never quoted.
    mutating func field(_ key: StaticString, hundredths value: Int) {
        key.withUTF8Buffer { appendKey($0) }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        bytes.append(decimal: Int(magnitude / 100))
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 100 / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
    }

    /// Closes the line and lends its bytes, ready for the sink.
    consuming func finish<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if format == .json { bytes.append(UInt8(ascii: "}")) }
        bytes.append(UInt8(ascii: "\n"))
        return bytes.withBytes(body)
    }

    /// A key written in the program (a `StaticString`) is its own name, lowercase letters and underscores:
    /// copied without a check.
    private mutating func appendKey(_ key: UnsafeBufferPointer<UInt8>) {
        switch format {
        case .json:
            bytes.append(UInt8(ascii: ","))
            bytes.append(quote)
            bytes.append(key)
            bytes.append(quote)
            bytes.append(UInt8(ascii: ":"))
        case .text:
            bytes.append(space)
            bytes.append(key)
            bytes.append(UInt8(ascii: "="))
        }
    }

    private mutating func appendJSONString(_ text: String) {
        if !appendIfPlain(text, allowingSpaces: true, quoted: format == .json) {
            bytes.append(utf8: jsonQuoted(text))
        }
    }

    /// Copies `text` as it is when it is printable ASCII other than a quote and a backslash, and says whether
    /// it did. `=` and spaces are plain in a message and a JSON string but not in a text value, where they
    /// would blur where it ends. Works over the bytes in place, one set lookup per byte: this runs for every
    /// field of every line.
    private mutating func appendIfPlain(_ text: String, allowingSpaces: Bool, quoted: Bool = false) -> Bool {
        let plain = allowingSpaces ? Self.plain : Self.plainWithoutSpace
        return withUTF8Bytes(of: text) { utf8 in
            for byte in utf8 where !plain.contains(byte) { return false }
            if quoted { bytes.append(quote) }
            bytes.append(utf8)
            if quoted { bytes.append(quote) }
            return true
        }
    }

    /// Plain bytes: 0x20 to 0x7E except `"` and `\\`, and without the space and `=` for a text value. The
    /// tests compare the constants with that description.
    static let plain = ByteSet(low: 0xffff_fffb_0000_0000, high: 0x7fff_ffff_efff_ffff)
    static let plainWithoutSpace = ByteSet(low: 0xdfff_fffa_0000_0000, high: 0x7fff_ffff_efff_ffff)

    private let space = UInt8(ascii: " ")
    private let quote = UInt8(ascii: "\"")
}
