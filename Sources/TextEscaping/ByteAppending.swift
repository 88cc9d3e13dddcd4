/// Appends `value` in decimal, without going through a `String`: response heads and log lines write
/// numbers on every request.
@inlinable
public func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    let magnitude = value.magnitude
    var divisor: UInt = 1
    while divisor <= magnitude / 10 { divisor *= 10 }
    var rest = magnitude
    while divisor > 0 {
        bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
        rest %= divisor
        divisor /= 10
    }
}

/// Appends `text`'s UTF-8 bytes in one copy. `append(contentsOf: text.utf8)` may go byte by byte (for a
/// small string it does), and response heads and log lines append several strings per request.
@inlinable
public func appendUTF8(_ text: String, to bytes: inout [UInt8]) {
    var text = text
    text.withUTF8 { bytes.append(contentsOf: $0) }
}
