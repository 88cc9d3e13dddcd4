import TextEscaping

/// Character classes from RFC 9110 section 5.6.2 and RFC 9112, on raw bytes.
enum ByteClass {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// Letters, digits and `others`: what the sets below hold, spelled out (the tests compare the two).
    static func alphanumerics(and others: String) -> ByteSet {
        ByteSet(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8) + Array(others.utf8))
    }

    /// Constants rather than tables: every byte of every request line and field name is tested.
    static let tokenSet = ByteSet(low: 0x03ff_6cfa_0000_0000, high: 0x57ff_ffff_c7ff_fffe)
    static let regNameSet = ByteSet(low: 0x2bff_7ff2_0000_0000, high: 0x47ff_fffe_87ff_fffe)

    /// tchar: the characters of methods and header names.
    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool { tokenSet.contains(byte) }

    /// A URI reg-name's characters: unreserved, sub-delims, and the "%" of a percent-escape (RFC 3986).
    @inline(__always)
    static func isRegName(_ byte: UInt8) -> Bool { regNameSet.contains(byte) }

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
