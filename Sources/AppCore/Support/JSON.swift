import HTTPServer
import TextEscaping

/// A JSON value whose object keys keep their order, so `"status"` always comes first in `/health`.
public indirect enum JSON: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    /// Compact text with a space after each colon and comma: `{"status": "ok"}`.
    public var text: String {
        switch self {
        case .string(let value): jsonQuoted(value)
        case .integer(let value): String(value)
        case .number(let value): value.isFinite ? String(value) : "null"
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        case .array(let values): "[" + values.map(\.text).joined(separator: ", ") + "]"
        case .object(let fields):
            "{" + fields.map { "\(jsonQuoted($0.0)): \($0.1.text)" }.joined(separator: ", ") + "}"
        }
    }

    /// Same cases with equal contents; object members compare in order.
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): left == right
        case (.integer(let left), .integer(let right)): left == right
        case (.number(let left), .number(let right)): left == right
        case (.bool(let left), .bool(let right)): left == right
        case (.null, .null): true
        case (.array(let left), .array(let right)): left == right
        case (.object(let left), .object(let right)):
            left.count == right.count && zip(left, right).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The value of `key` in an object (the first, if a key repeats); nil for anything else.
    public subscript(key: String) -> JSON? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }
}

extension Response {
    public static func json(_ status: HTTPStatus = .ok, _ value: JSON, headers: HTTPHeaders = HTTPHeaders()) -> Response
    {
        .json(status, value.text, headers: headers)
    }
}
