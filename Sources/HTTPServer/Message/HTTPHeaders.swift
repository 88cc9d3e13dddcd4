import TextEscaping

/// An ordered list of header fields. Names compare case-insensitively (RFC 9110 section 5.1).
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public typealias Field = (name: String, value: String)

    private var fields: [Field] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    /// The first value of `name`, if present.
    public subscript(name: String) -> String? {
        fields.first { asciiCaseInsensitiveEquals($0.name, name) }?.value
    }

    /// Every value of `name`, in order of appearance.
    public func values(for name: String) -> [String] {
        // A loop rather than filter and map: most lookups find nothing, and then nothing is allocated.
        var values: [String] = []
        for field in fields where asciiCaseInsensitiveEquals(field.name, name) {
            values.append(field.value)
        }
        return values
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { asciiCaseInsensitiveEquals($0.name, name) }
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field called `name` with one holding `value`.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
    }

    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Compares two strings byte by byte, folding ASCII letters only (header names and tokens are ASCII).
func asciiCaseInsensitiveEquals(_ lhs: String, _ rhs: String) -> Bool {
    guard lhs.utf8.count == rhs.utf8.count else { return false }
    // Over the bytes in place: a String's own views index slowly, and this runs for every header looked up.
    return withUTF8Bytes(of: lhs) { left in
        withUTF8Bytes(of: rhs) { right in
            for index in left.indices where asciiLowercased(left[index]) != asciiLowercased(right[index]) {
                return false
            }
            return true
        }
    }
}

@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
}

/// Splits a comma-separated header value into trimmed, lowercased, non-empty elements.
func commaSeparatedTokens(_ value: String) -> [String] {
    withUTF8Bytes(of: value) { bytes in
        var tokens: [String] = []
        forEachCommaSeparatedToken(in: bytes) { token in
            tokens.append(
                String(unsafeUninitializedCapacity: token.count) { text in
                    for index in token.indices { text[index] = asciiLowercased(token[index]) }
                    return token.count
                })
        }
        return tokens
    }
}

/// Calls `body` with each non-empty element of a comma-separated value, trimmed of spaces and tabs, in
/// place. Over the bytes: Character-wise splitting and trimming cost more than the rest of a request.
func forEachCommaSeparatedToken(in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    var start = 0
    while start <= bytes.count {
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
        var first = start
        var last = end
        while first < last, bytes[first] == ByteClass.space || bytes[first] == ByteClass.tab { first += 1 }
        while last > first, bytes[last - 1] == ByteClass.space || bytes[last - 1] == ByteClass.tab { last -= 1 }
        if first < last { body(UnsafeBufferPointer(rebasing: bytes[first..<last])) }
        start = end + 1
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> Substring {
        let text = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
            let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return text[first...last]
    }
}
