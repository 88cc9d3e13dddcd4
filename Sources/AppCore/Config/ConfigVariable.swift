/// An environment variable as documented: what `app --help` prints, what docs/configuration.md's tables must match,
/// and what an error line says is accepted.
public struct ConfigVariable: Sendable {
    public let name: String
    /// The default as a person reads it: `8000`, `unset`, `DEBUG in development, INFO otherwise`.
    public let defaultText: String
    /// What a value must be: the error line's "accepted: ..." part.
    public let accepted: String
    /// What it controls, or what happens beyond it; empty when the name says it all.
    public let help: String
    /// Never shown whole: errors show a placeholder (or, for a URL, the URL without its password).
    public let isSecret: Bool
}

/// A variable with its typed default and its parser: the single description `EnvironmentReader` loads from.
struct Setting<Value: Sendable>: Sendable {
    let variable: ConfigVariable
    let defaultValue: Value
    /// Nil for a value that is not accepted.
    let parse: @Sendable (String) -> Value?

    var name: String { variable.name }

    init(
        _ name: String, default defaultValue: Value, defaultText: String, accepted: String, help: String = "",
        isSecret: Bool = false, parse: @escaping @Sendable (String) -> Value?
    ) {
        variable = ConfigVariable(
            name: name, defaultText: defaultText, accepted: accepted, help: help, isSecret: isSecret)
        self.defaultValue = defaultValue
        self.parse = parse
    }
}

extension Setting where Value == Int {
    static func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>, help: String = "")
        -> Setting
    {
        Setting(
            name, default: defaultValue, defaultText: String(defaultValue),
            accepted: "an integer from \(range.lowerBound) to \(range.upperBound)", help: help
        ) { text in Int(text).flatMap { range.contains($0) ? $0 : nil } }
    }

    /// The same variable with a narrower range, known only once another variable is read.
    func narrowed(to range: ClosedRange<Int>) -> Setting {
        .integer(name, default: defaultValue, in: range, help: variable.help)
    }
}

extension Setting where Value == Duration {
    /// Seconds, whole or decimal (`0.5`), never in exponent form.
    static func seconds(_ name: String, default defaultValue: Duration, in range: ClosedRange<Double>, help: String)
        -> Setting
    {
        let bounds = [range.lowerBound, range.upperBound].map(secondsText)
        return Setting(
            name, default: defaultValue, defaultText: secondsText(defaultValue.inSeconds),
            accepted: "a number of seconds from \(bounds[0]) to \(bounds[1]), such as 5 or 0.5", help: help
        ) { text in
            guard let seconds = Double(text), seconds.isFinite, range.contains(seconds), !text.contains("e") else {
                return nil
            }
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
    }
}
