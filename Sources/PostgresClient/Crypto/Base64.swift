/// Standard base64 with padding (RFC 4648 section 4), as SCRAM messages use it.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let chunk = Array(bytes[start..<min(start + 3, bytes.count)]) + [0, 0]
            let value = UInt32(chunk[0]) << 16 | UInt32(chunk[1]) << 8 | UInt32(chunk[2])
            let characters = [18, 12, 6, 0].map { alphabet[Int((value >> UInt32($0)) & 63)] }
            let kept = bytes.count - start >= 3 ? 4 : bytes.count - start + 1
            output += characters.prefix(kept) + [UInt8](repeating: UInt8(ascii: "="), count: 4 - kept)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// nil unless `text` is well-formed padded base64.
    public static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        for start in stride(from: 0, to: characters.count, by: 4) {
            let group = characters[start..<start + 4]
            let padding = group.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, padding == 0 || start + 4 == characters.count else { return nil }
            var value: UInt32 = 0
            for character in group.prefix(4 - padding) {
                guard let digit = alphabet.firstIndex(of: character) else { return nil }
                value = value << 6 | UInt32(digit)
            }
            value <<= UInt32(6 * padding)
            output += [16, 8, 0].prefix(3 - padding).map { UInt8(truncatingIfNeeded: value >> UInt32($0)) }
        }
        return output
    }
}
