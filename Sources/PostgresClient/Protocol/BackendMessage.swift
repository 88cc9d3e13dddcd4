/// A message from the server: its type byte and payload.
struct BackendMessage {
    let type: UInt8
    let payload: [UInt8]

    static let authentication = UInt8(ascii: "R")
    static let errorResponse = UInt8(ascii: "E")
    static let noticeResponse = UInt8(ascii: "N")
    static let readyForQuery = UInt8(ascii: "Z")
    static let dataRow = UInt8(ascii: "D")
    static let parameterStatus = UInt8(ascii: "S")
    static let backendKeyData = UInt8(ascii: "K")
    static let negotiateProtocolVersion = UInt8(ascii: "v")
    static let parseComplete = UInt8(ascii: "1")
    static let bindComplete = UInt8(ascii: "2")
    static let commandComplete = UInt8(ascii: "C")
    static let emptyQueryResponse = UInt8(ascii: "I")
    static let noData = UInt8(ascii: "n")
    static let rowDescription = UInt8(ascii: "T")
    static let portalSuspended = UInt8(ascii: "s")
    static let notificationResponse = UInt8(ascii: "A")

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
        if sqlState.hasPrefix("28") {
            return PostgresError(.authentication, "\(message) (SQLSTATE \(sqlState))", sqlState: sqlState)
        }
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
