/// A strict RFC 8259 parser for request bodies, into `JSON`. Depth and size are bounded by the caller's
/// body limit and by `maxDepth`, so hostile input costs linear time and cannot exhaust the stack.
public enum JSONParser {
    public struct Failure: Error, Equatable {
        public let message: String
    }

    static let maxDepth = 64

    public static func parse(_ bytes: [UInt8]) throws(Failure) -> JSON {
        var parser = State(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.atEnd else { throw parser.fail("unexpected text after the JSON value") }
        return value
    }

    private struct State {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position >= bytes.count }

        func fail(_ message: String) -> Failure {
            Failure(message: "\(message) at byte \(position)")
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func value(depth: Int) throws(Failure) -> JSON {
            guard depth < JSONParser.maxDepth else { throw fail("nested too deeply") }
            guard position < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default: return try number()
            }
        }

        mutating func literal(_ word: String, _ value: JSON) throws(Failure) -> JSON {
            let expected = Array(word.utf8)
            guard bytes.count - position >= expected.count,
                Array(bytes[position..<position + expected.count]) == expected
            else { throw fail("invalid literal") }
            position += expected.count
            return value
        }

        mutating func object(depth: Int) throws(Failure) -> JSON {
            position += 1
            var fields: [(String, JSON)] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(fields)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("expected a key")
                }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                fields.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if try endOrComma(UInt8(ascii: "}")) { return .object(fields) }
            }
        }

        mutating func array(depth: Int) throws(Failure) -> JSON {
            position += 1
            var elements: [JSON] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                if try endOrComma(UInt8(ascii: "]")) { return .array(elements) }
            }
        }

        /// After an element: true at the closing bracket, false after a comma.
        mutating func endOrComma(_ closing: UInt8) throws(Failure) -> Bool {
            guard position < bytes.count else { throw fail("unexpected end of input") }
            let byte = bytes[position]
            position += 1
            if byte == closing { return true }
            if byte == UInt8(ascii: ",") { return false }
            throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard position < bytes.count, bytes[position] == byte else {
                throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        mutating func string() throws(Failure) -> String {
            position += 1
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush(_ run: inout [UInt8], into scalars: inout String.UnicodeScalarView) throws(Failure) {
                guard !run.isEmpty else { return }
                guard let text = String(validating: run, as: UTF8.self) else {
                    throw Failure(message: "invalid UTF-8 in a string")
                }
                scalars.append(contentsOf: text.unicodeScalars)
                run.removeAll()
            }
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    try flush(&run, into: &scalars)
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush(&run, into: &scalars)
                    scalars.append(try escape())
                case 0..<0x20:
                    throw fail("control character in a string")
                default:
                    run.append(byte)
                }
            }
            throw fail("unterminated string")
        }

        mutating func escape() throws(Failure) -> Unicode.Scalar {
            guard position < bytes.count else { throw fail("unterminated escape") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{8}"
            case UInt8(ascii: "f"): return "\u{C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let unit = try hexUnit()
                if (0xD800..<0xDC00).contains(unit) {
                    guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw fail("unpaired surrogate") }
                    position += 2
                    let low = try hexUnit()
                    guard (0xDC00..<0xE000).contains(low),
                        let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                    else { throw fail("invalid surrogate pair") }
                    return scalar
                }
                guard let scalar = Unicode.Scalar(unit) else { throw fail("unpaired surrogate") }
                return scalar
            default:
                throw fail("invalid escape")
            }
        }

        mutating func hexUnit() throws(Failure) -> UInt32 {
            guard bytes.count - position >= 4 else { throw fail("short \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[position..<position + 4] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { throw fail("bad \\u escape") }
                value = value << 4 | UInt32(digit)
            }
            position += 4
            return value
        }

        /// -? int frac? exp?, as the RFC's grammar says (no leading zeros, no bare dot).
        mutating func number() throws(Failure) -> JSON {
            let start = position
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid value") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                skipDigits()
            }
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
                skipDigits()
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
                {
                    position += 1
                }
                guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
                skipDigits()
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if isInteger, let integer = Int(text) { return .integer(integer) }
            guard let number = Double(text), number.isFinite else { throw fail("number out of range") }
            return .number(number)
        }

        mutating func skipDigits() {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
