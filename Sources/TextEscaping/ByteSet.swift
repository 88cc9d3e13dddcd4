/// A set of ASCII bytes as two bit masks: bit n of `low` for byte n below 64, bit n - 64 of `high` for bytes
/// 64 to 127; no byte above 127 is a member. A constant set costs no lazy initialization or bounds check per
/// byte, which matters in loops over every byte of a request or a log line.
public struct ByteSet: Sendable, Equatable {
    public let low: UInt64
    public let high: UInt64

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// The set of `members`, for tests that check a constant against its description.
    public init(_ members: some Sequence<UInt8>) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for byte in members where byte < 128 {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
        self.init(low: low, high: high)
    }

    @inlinable
    public func contains(_ byte: UInt8) -> Bool {
        if byte < 64 { return (low >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (high >> UInt64(byte - 64)) & 1 == 1 }
        return false
    }
}
