/// Messages the client sends (PostgreSQL protocol 3.0, "Message Formats").
enum FrontendMessage {
    static func startup(user: String, database: String, applicationName: String) -> [UInt8] {
        var body = ByteWriter()
        body.int32(196_608)  // protocol 3.0
        for (key, value) in [("user", user), ("database", database), ("application_name", applicationName)] {
            body.cString(key)
            body.cString(value)
        }
        body.bytes.append(0)
        var message = ByteWriter()
        message.int32(Int32(body.bytes.count + 4))
        message.bytes += body.bytes
        return message.bytes
    }

    /// Asks the server to switch to TLS before anything else; it answers one byte, `S` or `N`.
    static let sslRequest: [UInt8] = {
        var message = ByteWriter()
        message.int32(8)
        message.int32(80_877_103)  // 1234 << 16 | 5679
        return message.bytes
    }()

    static func password(_ text: String) -> [UInt8] {
        tagged("p") { $0.cString(text) }
    }

    static func saslInitialResponse(mechanism: String, response: String) -> [UInt8] {
        tagged("p") {
            $0.cString(mechanism)
            $0.int32(Int32(response.utf8.count))
            $0.bytes += Array(response.utf8)
        }
    }

    static func saslResponse(_ response: String) -> [UInt8] {
        tagged("p") { $0.bytes += Array(response.utf8) }
    }

    /// Parse, Bind, Execute and Sync for the unnamed statement: one round trip, values sent apart from the SQL.
    static func extendedQuery(_ sql: String, parameters: [String?]) -> [UInt8] {
        let parse = tagged("P") {
            $0.cString("")
            $0.cString(sql)
            $0.int16(0)
        }
        let bind = tagged("B") {
            $0.cString("")
            $0.cString("")
            $0.int16(0)  // every parameter in text format
            $0.int16(Int16(parameters.count))
            for parameter in parameters {
                if let parameter {
                    $0.int32(Int32(parameter.utf8.count))
                    $0.bytes += Array(parameter.utf8)
                } else {
                    $0.int32(-1)
                }
            }
            $0.int16(0)  // every result column in text format
        }
        let execute = tagged("E") {
            $0.cString("")
            $0.int32(0)
        }
        return parse + bind + execute + tagged("S") { _ in }
    }

    static let terminate = tagged("X") { _ in }

    private static func tagged(_ tag: Character, _ build: (inout ByteWriter) -> Void) -> [UInt8] {
        var body = ByteWriter()
        build(&body)
        var message = ByteWriter()
        message.bytes.append(tag.asciiValue ?? 0)
        message.int32(Int32(body.bytes.count + 4))
        message.bytes += body.bytes
        return message.bytes
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int32(_ value: Int32) {
        bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> Int32($0)) }
    }

    mutating func int16(_ value: Int16) {
        bytes += [8, 0].map { UInt8(truncatingIfNeeded: value >> Int16($0)) }
    }

    mutating func cString(_ text: String) {
        bytes += Array(text.utf8.filter { $0 != 0 })
        bytes.append(0)
    }
}
