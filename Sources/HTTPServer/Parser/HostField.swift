import TextEscaping

/// The `Host` header's grammar (RFC 9110 section 7.2): `uri-host [ ":" port ]`, where uri-host is an IP
/// literal in brackets or a reg-name of unreserved characters, percent-escapes and sub-delims. RFC 9112
/// section 3.2 requires a 400 for any other value. Empty is allowed (a target with no authority).
enum HostField {
    /// Over the bytes in place, where the head holds them: every request has a Host.
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let close = scan(bytes, from: 1, in: ipLiteralSet), close > 1, bytes[close] == UInt8(ascii: "]")
            else { return false }
            index = close + 1
        } else {
            index = scan(bytes, from: 0, in: ByteClass.regNameSet) ?? bytes.count
        }
        guard index < bytes.count else { return true }
        return bytes[index] == UInt8(ascii: ":") && scan(bytes, from: index + 1, in: digitSet) == nil
    }

    /// What a reg-name has, plus ":" for IPv6 and IPvFuture.
    static let ipLiteralSet = ByteSet(low: ByteClass.regNameSet.low | 1 << 58, high: ByteClass.regNameSet.high)
    static let digitSet = ByteSet(low: 0x03ff_0000_0000_0000, high: 0)

    /// The index of the first byte from `start` on that is not in `set`, or nil if there is none. One loop
    /// over the buffer itself: `firstIndex` and `allSatisfy` on slices cost several times as much per byte.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, in set: ByteSet) -> Int? {
        var index = start
        while index < bytes.count {
            if !set.contains(bytes[index]) { return index }
            index += 1
        }
        return nil
    }
}
