import CSystem
import Glibc

/// Iterates over CRLF-terminated lines, finding each line feed with `memchr`. A line feed without its
/// carriage return is refused here; a carriage return without its line feed is left in its line, whose
/// checks refuse it (`RequestParser` then names it).
struct LineSplitter {
    let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func next() throws(HTTPParseError) -> UnsafeBufferPointer<UInt8>? {
        guard position < bytes.count, let base = bytes.baseAddress else { return nil }
        let start = position
        guard let found = memchr(base + start, Int32(ByteClass.lf), bytes.count - start) else {
            position = bytes.count
            return UnsafeBufferPointer(rebasing: bytes[start...])
        }
        let lineFeed = UnsafeRawPointer(found) - UnsafeRawPointer(base)
        guard lineFeed > start, bytes[lineFeed - 1] == ByteClass.cr else { throw .bareLineFeed }
        position = lineFeed + 1
        return UnsafeBufferPointer(rebasing: bytes[start..<(lineFeed - 1)])
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
