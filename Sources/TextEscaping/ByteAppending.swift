/// Appends `value` in decimal, without going through a `String`: response heads and log lines write
/// numbers on every request.
@inlinable
public func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxDecimalLength) { digits in
        guard let start = digits.baseAddress else { return }
        bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: writeDecimal(value, to: start)))
    }
}

/// The longest an `Int` is in decimal: 19 digits and a sign.
public let maxDecimalLength = 20

/// Writes `value` in decimal, with a leading `-` when negative, at `start`, which has room for
/// `maxDecimalLength` bytes; returns how many it wrote. The digits are counted first and then written
/// from the last, by divisions by the constant 10, which compile to multiplications.
@inlinable
public func writeDecimal(_ value: Int, to start: UnsafeMutablePointer<UInt8>) -> Int {
    var rest = value.magnitude
    var length = value < 0 ? 2 : 1
    var probe = rest
    while probe >= 10 {
        probe /= 10
        length += 1
    }
    if value < 0 { start[0] = UInt8(ascii: "-") }
    var index = length
    repeat {
        index -= 1
        start[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
        rest /= 10
    } while rest > 0
    return length
}

/// Appends `text`'s UTF-8 bytes in one copy. `append(contentsOf: text.utf8)` may go byte by byte (for a
/// small string it does), and response heads and log lines append several strings per request.
@inlinable
public func appendUTF8(_ text: String, to bytes: inout [UInt8]) {
    withUTF8Bytes(of: text) { bytes.append(contentsOf: $0) }
}

/// Calls `body` with `text`'s UTF-8 bytes in place: lent directly when the string keeps them contiguous (a
/// native or small string), copied once otherwise (a bridged one). A String's own views index byte by byte,
/// which costs more than the work done on the bytes in the request path's checks and copies.
@inlinable
public func withUTF8Bytes<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
    -> Result
{
    if let result = try text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var contiguous = text
    return try contiguous.withUTF8(body)
}
