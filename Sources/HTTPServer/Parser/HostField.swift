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
            guard !literal.isEmpty, allBytes(of: literal, in: ipLiteralSet) else { return false }
            portStart = close + 1
        } else {
            portStart = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.count
            guard allBytes(of: bytes[..<portStart], in: ByteClass.regNameSet) else { return false }
        }
        guard portStart < bytes.count else { return true }
        return bytes[portStart] == UInt8(ascii: ":") && allBytes(of: bytes[(portStart + 1)...], in: digitSet)
    }

    /// What a reg-name has, plus ":" for IPv6 and IPvFuture.
    static let ipLiteralSet = ByteSet(low: ByteClass.regNameSet.low | 1 << 58, high: ByteClass.regNameSet.high)
    static let digitSet = ByteSet(low: 0x03ff_0000_0000_0000, high: 0)

    /// An index loop over the slice: `allSatisfy` with a closure costs several times as much per byte.
    private static func allBytes(of bytes: Slice<UnsafeBufferPointer<UInt8>>, in set: ByteSet) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if !set.contains(bytes[index]) { return false }
            index += 1
        }
        return true
    }
}
