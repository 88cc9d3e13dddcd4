/// Character classes from RFC 9110 section 5.6.2 and RFC 9112, on raw bytes.
enum ByteClass {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// Letters, digits and `others`: what the masks below hold, spelled out (the tests compare the two).
    static func alphanumerics(and others: String) -> (low: UInt64, high: UInt64) {
        var masks: (low: UInt64, high: UInt64) = (0, 0)
        for byte in UInt8(0)..<128 {
            let isMember =
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    others.utf8.contains(byte)
                }
            if isMember && byte < 64 { masks.low |= 1 << UInt64(byte) }
            if isMember && byte >= 64 { masks.high |= 1 << UInt64(byte - 64) }
        }
        return masks
    }

    /// Bit n is set when byte n is in the class (n < 128; no byte above is). Constants rather than tables:
    /// every byte of every request line and field name is tested, and a constant costs no lazy
    /// initialization check or bounds check.
    static let tokenMasks: (low: UInt64, high: UInt64) = (0x03ff_6cfa_0000_0000, 0x57ff_ffff_c7ff_fffe)
    static let regNameMasks: (low: UInt64, high: UInt64) = (0x2bff_7ff2_0000_0000, 0x47ff_fffe_87ff_fffe)

    @inline(__always)
    private static func isMember(_ byte: UInt8, of masks: (low: UInt64, high: UInt64)) -> Bool {
        if byte < 64 { return (masks.low >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (masks.high >> UInt64(byte - 64)) & 1 == 1 }
        return false
    }

    /// tchar: the characters of methods and header names.
    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool { isMember(byte, of: tokenMasks) }

    /// A URI reg-name's characters: unreserved, sub-delims, and the "%" of a percent-escape (RFC 3986).
    @inline(__always)
    static func isRegName(_ byte: UInt8) -> Bool { isMember(byte, of: regNameMasks) }

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
