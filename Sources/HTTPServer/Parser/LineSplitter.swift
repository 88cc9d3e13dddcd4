import CSystem

/// Iterates over CRLF-terminated lines. The caller has already rejected bare LFs.
struct LineSplitter {
    let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func next() -> UnsafeBufferPointer<UInt8>? {
        guard position < bytes.count else { return nil }
        let rest = UnsafeBufferPointer(rebasing: bytes[position...])
        let end = findCRLF(rest) ?? rest.count
        position += min(end + 2, rest.count)
        return UnsafeBufferPointer(rebasing: rest[..<end])
    }
}

private let crlf: [UInt8] = [ByteClass.cr, ByteClass.lf]

/// Offset of the first CRLF in `bytes`.
func findCRLF(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    firstOffset(of: crlf, in: bytes)
}

func firstOffset(of needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let base = bytes.baseAddress, bytes.count >= needle.count else { return nil }
    let offset = needle.withUnsafeBufferPointer { needle in
        csystem_find(base, bytes.count, needle.baseAddress, needle.count)
    }
    return offset < 0 ? nil : offset
}
