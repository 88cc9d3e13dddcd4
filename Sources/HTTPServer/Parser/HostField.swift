/// The `Host` header's grammar (RFC 9110 section 7.2): `uri-host [ ":" port ]`, where uri-host is an IP
/// literal in brackets or a reg-name of unreserved characters, percent-escapes and sub-delims. RFC 9112
/// section 3.2 requires a 400 for any other value. Empty is allowed (a target with no authority).
enum HostField {
    static func isValid(_ value: String) -> Bool {
        var bytes = Substring(value).utf8[...]
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = bytes[bytes.index(after: bytes.startIndex)..<close]
            guard !literal.isEmpty, literal.allSatisfy(isIPLiteralCharacter) else { return false }
            bytes = bytes[bytes.index(after: close)...]
        } else {
            let hostEnd = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex
            guard bytes[..<hostEnd].allSatisfy(ByteClass.isRegName) else { return false }
            bytes = bytes[hostEnd...]
        }
        guard let colon = bytes.first else { return true }
        return colon == UInt8(ascii: ":") && bytes.dropFirst().allSatisfy(ByteClass.isDigit)
    }

    /// What a reg-name has, plus ":" for IPv6 and IPvFuture.
    private static func isIPLiteralCharacter(_ byte: UInt8) -> Bool {
        ByteClass.isRegName(byte) || byte == UInt8(ascii: ":")
    }
}
