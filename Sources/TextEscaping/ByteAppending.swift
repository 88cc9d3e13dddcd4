/// Appends `value` in decimal, without going through a `String`: response heads and log lines write
/// numbers on every request. Digits are taken from the end with divisions by the constant 10, which compile
/// to multiplications.
@inlinable
public func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    var rest = value.magnitude
    // 20 digits hold any UInt64.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        var start = digits.count
        repeat {
            start -= 1
            digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        } while rest > 0
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
    }
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
