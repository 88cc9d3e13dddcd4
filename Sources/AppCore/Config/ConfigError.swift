import TextEscaping

/// A configuration value the app cannot run with. `description` is the one line printed before exiting 78.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public let variable: String
    /// The offending value as it may be shown: quoted, or a placeholder when it is secret.
    public let shownValue: String
    public let accepted: String

    init(_ variable: String, value: String, accepted: String) {
        self.variable = variable
        self.shownValue = "\"\(value.escapedForDisplay)\""
        self.accepted = accepted
    }

    init(_ variable: String, hiddenValue: String, accepted: String) {
        self.variable = variable
        self.shownValue = hiddenValue
        self.accepted = accepted
    }

    public var description: String {
        "configuration error: \(variable)=\(shownValue) is not valid; accepted: \(accepted)"
    }
}

extension String {
    /// Quotes and backslashes escaped, and every character that could forge or disguise a line shown as an
    /// escape: C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides that
    /// reorder what a terminal shows. A value (or a client's path) then stays on its one line, as typed.
    var escapedForDisplay: String {
        var output = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                output += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            case _ where scalar.isDisguising:
                output += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
