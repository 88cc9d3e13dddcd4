/// Bytes received on a connection and not yet parsed. Consumed from the front; storage is reused.
struct InputBuffer {
    private var storage: [UInt8] = []
    private var start = 0

    var readableCount: Int { storage.count - start }
    var isEmpty: Bool { readableCount == 0 }
    /// What the buffer holds in memory: the unread bytes and any consumed ones not yet compacted away.
    var heldBytes: Int { storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start >= storage.count / 2 {
            storage.removeSubrange(0..<start)
            start = 0
        }
        storage.append(contentsOf: bytes)
    }

    mutating func consume(_ count: Int) {
        start += count
        if start >= storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 16 * 1024)
            start = 0
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
        try storage.withUnsafeBufferPointer { (all) throws(Failure) in
            try body(UnsafeBufferPointer(rebasing: all[start...]))
        }
    }
}
