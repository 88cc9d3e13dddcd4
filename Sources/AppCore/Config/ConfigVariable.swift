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
