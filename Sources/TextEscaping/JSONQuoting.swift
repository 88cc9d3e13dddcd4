/// Quotes `text` as a JSON string literal (RFC 8259 section 7). Controls and the characters that disguise a
/// line are escaped too, though JSON allows them raw, so a log viewer shows them for what they are.
public func jsonQuoted(_ text: String) -> String {
    var output = "\""
    output.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.isDisguising:
            let hex = String(scalar.value, radix: 16)
            output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: output.unicodeScalars.append(scalar)
        }
    }
    return output + "\""
}

extension Unicode.Scalar {
    /// C1 controls, U+2028 and U+2029 (line breaks to some viewers), and the bidirectional marks, embeddings,
    /// overrides and isolates.
    public var isDisguising: Bool {
        switch value {
        case 0x80...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
