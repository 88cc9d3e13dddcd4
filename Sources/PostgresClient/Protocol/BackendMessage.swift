/// A message from the server: its type byte and payload.
struct BackendMessage {
    let type: UInt8
    let payload: [UInt8]

    static let authentication = UInt8(ascii: "R")
    static let errorResponse = UInt8(ascii: "E")
    static let noticeResponse = UInt8(ascii: "N")
    static let readyForQuery = UInt8(ascii: "Z")
    static let dataRow = UInt8(ascii: "D")

    /// The fields of an ErrorResponse as a typed error: SQLSTATE (`C`) and message (`M`).
    func serverError() -> PostgresError {
        var reader = PayloadReader(payload)
        var fields: [UInt8: String] = [:]
        while let code = reader.byte(), code != 0, let value = reader.cString() {
            fields[code] = value
        }
        let sqlState = fields[UInt8(ascii: "C")] ?? "XX000"
        let message = fields[UInt8(ascii: "M")] ?? "unknown server error"
        // 28P01 invalid_password, 28000 invalid_authorization_specification
        if sqlState.hasPrefix("28") { return PostgresError(.authentication, "\(message) (SQLSTATE \(sqlState))") }
        return PostgresError(.server(sqlState: sqlState), message)
    }

    /// The columns of a DataRow, in text format; nil for SQL NULL.
    func dataRowColumns() throws(PostgresError) -> [String?] {
        var reader = PayloadReader(payload)
        guard let count = reader.int16(), count >= 0 else { throw Self.malformed }
        var columns: [String?] = []
        for _ in 0..<count {
            guard let length = reader.int32() else { throw Self.malformed }
            if length < 0 {
                columns.append(nil)
            } else {
                guard let bytes = reader.bytes(Int(length)) else { throw Self.malformed }
                columns.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return columns
    }

    static let malformed = PostgresError(.protocolViolation, "malformed message from the server")
}

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
