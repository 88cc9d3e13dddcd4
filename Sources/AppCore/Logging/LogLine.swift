import TextEscaping

/// One log line, encoded straight into bytes: a JSON object or `key=value` text. Access lines are written at
/// the rate requests arrive, so the common case, text with nothing to escape, is copied as it is, and only
/// text that needs escaping goes the slow way.
struct LogLine {
    private(set) var bytes: [UInt8] = []
    private let format: LogFormat

    /// Starts the line with its timestamp, level and message.
    init(_ format: LogFormat, level: LogLevel, message: String) {
        self.format = format
        bytes.reserveCapacity(256)
        switch format {
        case .json:
            appendUTF8(#"{"ts":""#, to: &bytes)
            Timestamp.appendNow(to: &bytes)
            appendUTF8(#"","level":""#, to: &bytes)
            appendUTF8(level.name, to: &bytes)
            appendUTF8(#"","msg":"#, to: &bytes)
            appendJSONString(message)
        case .text:
            Timestamp.appendNow(to: &bytes)
            bytes.append(space)
            appendUTF8(level.name, to: &bytes)
            bytes.append(space)
            if !appendIfPlain(message, allowingSpaces: true) {
                bytes.append(contentsOf: message.escapedForDisplay.utf8)
            }
        }
    }

    /// A string field: quoted in JSON; in text, quoted only when it is empty or holds a space, `=`, or
    /// anything that had to be escaped.
    mutating func field(_ key: String, _ value: String) {
        appendKey(key)
        switch format {
        case .json:
            appendJSONString(value)
        case .text:
            if !value.isEmpty && appendIfPlain(value, allowingSpaces: false) { return }
            let escaped = value.escapedForDisplay
            let needsQuotes = escaped.isEmpty || escaped != value || value.contains(" ") || value.contains("=")
            if needsQuotes { bytes.append(quote) }
            bytes.append(contentsOf: escaped.utf8)
            if needsQuotes { bytes.append(quote) }
        }
    }

    /// A string field whose bytes `write` appends and which is known to need no escaping or quotes (a request
    /// id: letters, digits, `.`, `_` and `-`).
    mutating func field(_ key: String, plain write: (inout [UInt8]) -> Void) {
        appendKey(key)
        if format == .json { bytes.append(quote) }
        write(&bytes)
        if format == .json { bytes.append(quote) }
    }

    /// A whole number, never quoted.
    mutating func field(_ key: String, integer value: Int) {
        appendKey(key)
        appendDecimal(value, to: &bytes)
    }

    /// A decimal with two places, such as milliseconds: 150 is `1.50`. Never quoted.
    mutating func field(_ key: String, hundredths value: Int) {
        appendKey(key)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        appendDecimal(Int(magnitude / 100), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 100 / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
    }

    /// Closes the line; the bytes are then ready for the sink.
    mutating func finish() {
        if format == .json { bytes.append(UInt8(ascii: "}")) }
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func appendKey(_ key: String) {
        switch format {
        case .json:
            bytes.append(UInt8(ascii: ","))
            appendJSONString(key)
            bytes.append(UInt8(ascii: ":"))
        case .text:
            bytes.append(space)
            appendUTF8(key, to: &bytes)
            bytes.append(UInt8(ascii: "="))
        }
    }

    private mutating func appendJSONString(_ text: String) {
        bytes.append(quote)
        if appendIfPlain(text, allowingSpaces: true) {
            bytes.append(quote)
        } else {
            bytes.removeLast()
            bytes.append(contentsOf: jsonQuoted(text).utf8)
        }
    }

    /// Copies `text` as it is when it is printable ASCII other than a quote and a backslash, and says whether
    /// it did. `=` and spaces are plain in a message and a JSON string but not in a text value, where they
    /// would blur where it ends. Works over the bytes in place, one set lookup per byte: this runs for every
    /// field of every line.
    private mutating func appendIfPlain(_ text: String, allowingSpaces: Bool) -> Bool {
        let plain = allowingSpaces ? Self.plain : Self.plainWithoutSpace
        return withUTF8Bytes(of: text) { utf8 in
            for byte in utf8 where !plain.contains(byte) { return false }
            bytes.append(contentsOf: utf8)
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
