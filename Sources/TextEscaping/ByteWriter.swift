/// Bytes appended through a pointer: each append is a capacity check and a copy. An `[UInt8]` checks that
/// its storage is unique and goes through a generic sequence copy on every append, which costs more than the
/// bytes copied when a line is built from a dozen short pieces, as a log line is on every request.
///
/// It starts in scratch memory the caller lends (stack memory from `withUnsafeTemporaryAllocation`, so a
/// line that fits costs no allocation) and moves to memory of its own only if it outgrows it.
public struct ByteWriter: ~Copyable {
    @usableFromInline var start: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    /// Whether `start` is ours to free, rather than the scratch lent at the start.
    @usableFromInline var ownsMemory = false

    /// `scratch` must outlive the writer.
    public init(scratch: UnsafeMutableBufferPointer<UInt8>) {
        if let base = scratch.baseAddress, scratch.count > 0 {
            start = base
            capacity = scratch.count
        } else {
            start = .allocate(capacity: 64)
            capacity = 64
            ownsMemory = true
        }
    }

    deinit {
        if ownsMemory { start.deallocate() }
    }

    /// The bytes written so far, lent to `body`.
    public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: start, count: count))
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: count + 1) }
        start[count] = byte
        count += 1
    }

    @inlinable @inline(__always)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if capacity - count < bytes.count { grow(toHold: count + bytes.count) }
        (start + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inlinable @inline(__always)
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// A constant's bytes.
    @inlinable @inline(__always)
    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// `text`'s UTF-8 bytes, copied once.
    @inlinable @inline(__always)
    public mutating func append(utf8 text: String) {
        withUTF8Bytes(of: text) { append($0) }
    }

    /// `value` in decimal.
    @inlinable @inline(__always)
    public mutating func append(decimal value: Int) {
        if capacity - count < maxDecimalLength { grow(toHold: count + maxDecimalLength) }
        count += writeDecimal(value, to: start + count)
    }

    /// Lends `body` room for `maximum` bytes at the end; it writes them and returns how many it wrote.
    @inlinable @inline(__always)
    public mutating func appendInPlace(maximum: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        if capacity - count < maximum { grow(toHold: count + maximum) }
        count += body(UnsafeMutableBufferPointer(start: start + count, count: maximum))
    }

    /// Moves the bytes to memory of our own with room for at least `needed`, doubling so that a long line
    /// grows in few steps.
    @usableFromInline
    mutating func grow(toHold needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let memory = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        memory.initialize(from: start, count: count)
        if ownsMemory { start.deallocate() }
        start = memory
        capacity = newCapacity
        ownsMemory = true
    }
}
