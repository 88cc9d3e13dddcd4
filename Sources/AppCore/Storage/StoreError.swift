/// Why a storage operation failed.
public struct StoreError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The database cannot be reached right now (refused, timed out, closed, starting up): worth retrying.
        case unavailable
        /// The database answered with an error.
        case failed
    }

    public let kind: Kind
    /// The class of failure in a few words ("timed out", "refused", "starting up"): safe to show anyone,
    /// so `/health` shows this and nothing else.
    public let cause: String
    /// The details, for the log: never a password, but it may name the host, port, user or file.
    public let message: String

    public init(_ kind: Kind, cause: String, _ message: String) {
        self.kind = kind
        self.cause = cause
        self.message = message
    }

    public var description: String { message }
}
