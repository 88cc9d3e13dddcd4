/// Character classes from RFC 9110 section 5.6.2 and RFC 9112, on raw bytes.
enum ByteClass {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// A lookup table: letters, digits and `others`.
    private static func alphanumerics(and others: String) -> [Bool] {
        (0..<256).map { value in
            let byte = UInt8(value)
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return others.utf8.contains(byte)
            }
        }
    }

    private static let tokenTable = alphanumerics(and: "!#$%&'*+-.^_`|~")
    private static let regNameTable = alphanumerics(and: "-._~!$&'()*+,;=%")

    /// tchar: the characters of methods and header names.
    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool { tokenTable[Int(byte)] }

    /// A URI reg-name's characters: unreserved, sub-delims, and the "%" of a percent-escape (RFC 3986).
    @inline(__always)
    static func isRegName(_ byte: UInt8) -> Bool { regNameTable[Int(byte)] }

    /// field-vchar, SP or HTAB: any visible byte or obs-text, never a control character.
    @inline(__always)
    static func isFieldValue(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= space && byte != 0x7F)
    }

    /// Visible ASCII: the characters a request target may contain.
    @inline(__always)
    static func isTargetCharacter(_ byte: UInt8) -> Bool { byte > space && byte < 0x7F }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
