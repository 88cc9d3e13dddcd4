/// Reads big-endian integers and C strings from a payload, returning nil past its end.
struct PayloadReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: [UInt8] { Array(bytes[position...]) }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func int32() -> Int32? {
        guard let raw = self.bytes(4) else { return nil }
        return Int32(bitPattern: raw.reduce(0) { $0 << 8 | UInt32($1) })
    }

    mutating func int16() -> Int16? {
        guard let raw = self.bytes(2) else { return nil }
        return Int16(bitPattern: raw.reduce(0) { $0 << 8 | UInt16($1) })
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - position >= count else { return nil }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func cString() -> String? {
        guard let end = bytes[position...].firstIndex(of: 0) else { return nil }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }
}
