/// How log lines look: one JSON object per line for log collectors, or `key=value` text for people.
public enum LogFormat: String, Sendable, CaseIterable {
    case json
    case text

    /// Any case is accepted: `json`, `JSON`.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }

    /// JSON where logs are usually collected by machines, text where a person reads the terminal.
    public static func defaultFor(environment: String) -> LogFormat {
        environment == "production" || environment == "staging" ? .json : .text
    }
}
