/// Bytes received on a connection and not yet parsed. Consumed from the front; storage is reused.
struct InputBuffer {
    /// Room for bytes, of which `start..<end` are unread. Its count only grows (up to `keptBytes` between
    /// requests): moving `start` and `end` costs nothing, where emptying and refilling an array goes through
    /// two generic calls on every request.
    private var storage: [UInt8] = []
    private var start = 0
    private var end = 0

    /// Room kept once everything is consumed; a larger buffer is let go.
    static let keptBytes = 16 * 1024

    var readableCount: Int { end - start }
    var isEmpty: Bool { readableCount == 0 }
    /// What the buffer holds in memory: the unread bytes and any consumed ones not yet compacted away.
    var heldBytes: Int { end }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start >= end / 2 {
            let (from, to, count) = (start, 0, end - start)
            storage.withUnsafeMutableBufferPointer { all in
                guard let base = all.baseAddress else { return }
                (base + to).update(from: base + from, count: count)
            }
            start = 0
            end = count
        }
        if storage.count < end + bytes.count {
            storage.append(contentsOf: repeatElement(0, count: end + bytes.count - storage.count))
        }
        let offset = end
        storage.withUnsafeMutableBytes { all in
            UnsafeMutableRawBufferPointer(rebasing: all[offset..<(offset + bytes.count)]).copyMemory(from: bytes)
        }
        end += bytes.count
    }

    mutating func consume(_ count: Int) {
        start += count
        if start >= end {
            start = 0
            end = 0
            if storage.count > Self.keptBytes { storage = [] }
        }
    }

    /// Removes and returns the first `count` bytes.
    mutating func take(_ count: Int) -> [UInt8] {
        let bytes = Array(storage[start..<start + count])
        consume(count)
        return bytes
    }

    func withReadableBytes<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let (start, end) = (self.start, self.end)
        return try storage.withUnsafeBufferPointer { (all) throws(Failure) in
            try body(UnsafeBufferPointer(rebasing: all[start..<end]))
        }
    }
}
