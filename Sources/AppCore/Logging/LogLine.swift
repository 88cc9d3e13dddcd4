import HTTPServer
import TextEscaping

/// One log line, encoded straight into bytes: a JSON object or `key=value` text. Access lines are written at
/// the rate requests arrive, so the line is built in scratch memory the caller lends (no allocation when it
/// fits), its fixed text is copied from constants, the common case of a value, text with nothing to escape,
/// is copied as it is, and only text that needs escaping goes the slow way.
struct LogLine: ~Copyable {
    private var bytes: ByteWriter
    private let format: LogFormat

    /// Room for an ordinary line; a longer one moves to memory of its own.
    static let scratchBytes = 512

    /// Starts the line with its timestamp, level and message.
    init(_ format: LogFormat, level: LogLevel, message: String, scratch: UnsafeMutableBufferPointer<UInt8>) {
        self.format = format
        bytes = ByteWriter(scratch: scratch)
        appendTimestampAndLevel(level)
        switch format {
        case .json:
            bytes.append(#"","msg":"#)
            withUTF8Bytes(of: message) { appendJSONString($0) }
        case .text:
            bytes.append(space)
            if !withUTF8Bytes(of: message, { appendIfPlain($0, allowingSpaces: true) }) {
                bytes.append(utf8: message.escapedForDisplay)
            }
        }
    }

    /// Starts an access line: the timestamp, then the level and message, which are always the same.
    init(accessLineIn format: LogFormat, scratch: UnsafeMutableBufferPointer<UInt8>) {
        self.format = format
        bytes = ByteWriter(scratch: scratch)
        appendTimestampAndLevel(.info)
        bytes.append(format == .json ? #"","msg":"request""# : " request")
    }

    private mutating func appendTimestampAndLevel(_ level: LogLevel) {
        if format == .json { bytes.append(#"{"ts":""#) }
        Timestamp.appendNow(to: &bytes)
        bytes.append(format == .json ? #"","level":""# : " ")
        bytes.append(level.constantName)
    }

    /// A string field: quoted in JSON; in text, quoted only when it is empty or holds a space, `=`, or
    /// anything that had to be escaped.
    mutating func field(_ key: LogKey, _ value: String) {
        appendKey(key)
        withUTF8Bytes(of: value) { appendValue($0) }
    }

    /// A string field given as UTF-8 bytes: a request's path, where the request holds it.
    mutating func field(_ key: LogKey, utf8 value: UnsafeBufferPointer<UInt8>) {
        appendKey(key)
        appendValue(value)
    }

    /// A string field whose key comes in a `String` (a caller's list), and is escaped like a value in JSON.
    mutating func field(named key: String, _ value: String) {
        switch format {
        case .json:
            bytes.append(UInt8(ascii: ","))
            withUTF8Bytes(of: key) { appendJSONString($0) }
            bytes.append(UInt8(ascii: ":"))
        case .text:
            bytes.append(space)
            bytes.append(utf8: key)
            bytes.append(UInt8(ascii: "="))
        }
        withUTF8Bytes(of: value) { appendValue($0) }
    }

    /// The request's id. One the server made up is hex digits and a dash, which need no escaping or quotes,
    /// and is written from its numbers without becoming a `String`. The record is borrowed, not captured by
    /// a closure, which would copy it.
    mutating func requestIDField(of record: borrowing RequestRecord) {
        guard record.hasGeneratedRequestID else { return field(.requestID, record.requestID) }
        appendKey(.requestID)
        if format == .json { bytes.append(quote) }
        record.appendRequestID(to: &bytes)
        if format == .json { bytes.append(quote) }
    }

    /// A whole number, never quoted.
    mutating func field(_ key: LogKey, integer value: Int) {
        appendKey(key)
        bytes.append(decimal: value)
    }

    /// A decimal with two places, such as milliseconds: 150 is `1.50`. Never quoted.
    mutating func field(_ key: LogKey, hundredths value: Int) {
        appendKey(key)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        bytes.append(decimal: Int(magnitude / 100))
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 100 / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
    }

    /// Closes the line and lends its bytes, ready for the sink.
    consuming func finish<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        bytes.append(format == .json ? "}\n" : "\n")
        return bytes.withBytes(body)
    }

    // The helpers below are inlined into each field: an access line calls them seven times, and a call's
    // entry and exit cost as much as the few bytes each copies.
    @inline(__always)
    private mutating func appendKey(_ key: LogKey) {
        bytes.append(format == .json ? key.json : key.text)
    }

    @inline(__always)
    private mutating func appendValue(_ value: UnsafeBufferPointer<UInt8>) {
        switch format {
        case .json:
            appendJSONString(value)
        case .text:
            if !value.isEmpty && appendIfPlain(value, allowingSpaces: false) { return }
            let text = String(decoding: value, as: UTF8.self)
            let escaped = text.escapedForDisplay
            let needsQuotes = escaped.isEmpty || escaped != text || text.contains(" ") || text.contains("=")
            if needsQuotes { bytes.append(quote) }
            bytes.append(utf8: escaped)
            if needsQuotes { bytes.append(quote) }
        }
    }

    @inline(__always)
    private mutating func appendJSONString(_ text: UnsafeBufferPointer<UInt8>) {
        if !appendIfPlain(text, allowingSpaces: true, quoted: true) {
            bytes.append(utf8: jsonQuoted(String(decoding: text, as: UTF8.self)))
        }
    }

    /// Copies `text` as it is when it is printable ASCII other than a quote and a backslash, and says whether
    /// it did. `=` and spaces are plain in a message and a JSON string but not in a text value, where they
    /// would blur where it ends. One set lookup per byte: this runs for every field of every line.
    @inline(__always)
    private mutating func appendIfPlain(_ text: UnsafeBufferPointer<UInt8>, allowingSpaces: Bool, quoted: Bool = false)
        -> Bool
    {
        let plain = allowingSpaces ? Self.plain : Self.plainWithoutSpace
        for byte in text where !plain.contains(byte) { return false }
        if quoted { bytes.append(quote) }
        bytes.append(text)
        if quoted { bytes.append(quote) }
        return true
    }

    /// Plain bytes: 0x20 to 0x7E except `"` and `\\`, and without the space and `=` for a text value. The
    /// tests compare the constants with that description.
    static let plain = ByteSet(low: 0xffff_fffb_0000_0000, high: 0x7fff_ffff_efff_ffff)
    static let plainWithoutSpace = ByteSet(low: 0xdfff_fffa_0000_0000, high: 0x7fff_ffff_efff_ffff)

    private let space = UInt8(ascii: " ")
    private let quote = UInt8(ascii: "\"")
}

/// A field's key as each format writes it, separators included, spelled out once: an access line writes
/// seven keys on every request, each then one copy. The tests check each against its name.
struct LogKey {
    let name: StaticString
    /// `,"name":`
    let json: StaticString
    /// ` name=`
    let text: StaticString

    static let requestID = LogKey(name: "request_id", json: #","request_id":"#, text: " request_id=")
    static let method = LogKey(name: "method", json: #","method":"#, text: " method=")
    static let path = LogKey(name: "path", json: #","path":"#, text: " path=")
    static let status = LogKey(name: "status", json: #","status":"#, text: " status=")
    static let bytes = LogKey(name: "bytes", json: #","bytes":"#, text: " bytes=")
    static let durationMS = LogKey(name: "duration_ms", json: #","duration_ms":"#, text: " duration_ms=")
    static let remote = LogKey(name: "remote", json: #","remote":"#, text: " remote=")
    static let all: [LogKey] = [requestID, method, path, status, bytes, durationMS, remote]
}
