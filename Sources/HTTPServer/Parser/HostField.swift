import TextEscaping

/// The `Host` header's grammar (RFC 9110 section 7.2): `uri-host [ ":" port ]`, where uri-host is an IP
/// literal in brackets or a reg-name of unreserved characters, percent-escapes and sub-delims. RFC 9112
/// section 3.2 requires a 400 for any other value. Empty is allowed (a target with no authority).
enum HostField {
    static func isValid(_ value: String) -> Bool {
        // Over the bytes in place: every request has a Host, and a String's own views index slowly.
        withUTF8Bytes(of: value, isValid)
    }

    private static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let portStart: Int
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = bytes[1..<close]
            guard !literal.isEmpty, literal.allSatisfy(isIPLiteralCharacter) else { return false }
            portStart = close + 1
        } else {
            portStart = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.count
            guard bytes[..<portStart].allSatisfy(ByteClass.isRegName) else { return false }
        }
        guard portStart < bytes.count else { return true }
        return bytes[portStart] == UInt8(ascii: ":") && bytes[(portStart + 1)...].allSatisfy(ByteClass.isDigit)
    }

    /// What a reg-name has, plus ":" for IPv6 and IPvFuture.
    private static func isIPLiteralCharacter(_ byte: UInt8) -> Bool {
        ByteClass.isRegName(byte) || byte == UInt8(ascii: ":")
    }
}
