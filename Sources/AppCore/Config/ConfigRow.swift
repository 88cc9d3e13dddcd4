import HTTPServer

/// One row of the settings table (`SettingsTable`): a variable as documented, and how its text reaches the
/// configuration. Loading walks the rows in order, so a row may work out its default, or check its value,
/// from the rows before it.
struct ConfigRow: Sendable {
    let variable: ConfigVariable
    /// A valid value other than the default: the table's test sets it to prove that the row is applied.
    let example: String
    /// Reads the variable's text (nil when unset; never empty) into the configuration loaded so far.
    let apply:
        @Sendable (_ text: String?, _ config: inout AppConfig, _ context: ConfigContext) throws(ConfigError) -> Void

    var name: String { variable.name }

    /// A value that `parse` reads into `path`. Unset, the value stays what `AppConfig()` holds, unless
    /// `defaultFrom` works it out from the rows before; a set value that `parse` refuses is an error that names
    /// the variable and what it accepts (the value hidden for a secret).
    static func value<Value>(
        _ name: String, at path: WritableKeyPath<AppConfig, Value> & Sendable, defaultText: String,
        accepted: String, help: String = "", isSecret: Bool = false, example: String,
        defaultFrom: (@Sendable (AppConfig, ConfigContext) -> Value)? = nil,
        parse: @escaping @Sendable (String) -> Value?
    ) -> ConfigRow {
        let variable = ConfigVariable(
            name: name, defaultText: defaultText, accepted: accepted, help: help, isSecret: isSecret)
        return ConfigRow(variable: variable, example: example) { text, config, context throws(ConfigError) in
            guard let text else {
                if let defaultFrom { config[keyPath: path] = defaultFrom(config, context) }
                return
            }
            guard let value = parse(text) else { throw variable.refusal(of: text) }
            config[keyPath: path] = value
        }
    }

    /// A whole number in `range`; its default is the one `AppConfig()` holds, written as the docs show it.
    static func integer(
        _ name: String, at path: WritableKeyPath<AppConfig, Int> & Sendable, in range: ClosedRange<Int>,
        help: String = "", example: String
    ) -> ConfigRow {
        .value(
            name, at: path, defaultText: String(AppConfig()[keyPath: path]),
            accepted: "an integer from \(range.lowerBound) to \(range.upperBound)", help: help, example: example
        ) { text in Int(text).flatMap { range.contains($0) ? $0 : nil } }
    }

    /// Seconds, whole or decimal (`0.5`), never in exponent form.
    static func seconds(
        _ name: String, at path: WritableKeyPath<AppConfig, Duration> & Sendable, in range: ClosedRange<Double>,
        help: String, example: String
    ) -> ConfigRow {
        let bounds = [range.lowerBound, range.upperBound].map(secondsText)
        return .value(
            name, at: path, defaultText: secondsText(AppConfig()[keyPath: path].inSeconds),
            accepted: "a number of seconds from \(bounds[0]) to \(bounds[1]), such as 5 or 0.5", help: help,
            example: example
        ) { text in
            guard let seconds = Double(text), seconds.isFinite, range.contains(seconds), !text.contains("e") else {
                return nil
            }
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
    }

    /// Free text, where an empty value means unset (a Docker build ARG left blank, say).
    static func freeText(
        _ name: String, at path: WritableKeyPath<AppConfig, String?> & Sendable, help: String, example: String
    ) -> ConfigRow {
        let variable = ConfigVariable(
            name: name, defaultText: "unset", accepted: "free text", help: help, isSecret: false)
        return ConfigRow(variable: variable, example: example) { text, config, _ throws(ConfigError) in
            if let text, !text.isEmpty { config[keyPath: path] = text }
        }
    }
}

/// What loading knows besides the environment.
struct ConfigContext: Sendable {
    /// The container's memory limit, which the buffer budget's default follows.
    let memoryLimit: MemoryLimit?
}

extension ConfigVariable {
    /// The error line for a value this variable does not accept.
    func refusal(of text: String) -> ConfigError {
        if isSecret { return ConfigError(name, hiddenValue: "(hidden, \(text.count) characters)", accepted: accepted) }
        return ConfigError(name, value: text, accepted: accepted)
    }
}
