/// A body produced piece by piece while the client reads it, so that a large answer never sits whole in
/// memory: the server asks for the next piece only once the last one is written and the buffer budget has
/// room for `maxPieceBytes`, and stops asking when the client goes (a client that never reads holds one
/// piece at most). Sent with chunked transfer coding (to HTTP/1.0, delimited by closing the connection).
public struct BodyStream: Sendable {
    /// What one piece may take, reserved against the budget while it is produced.
    public let maxPieceBytes: Int
    /// The next piece; nil when the body is complete. An error ends the connection without completing the
    /// body, so that the client sees it cut off rather than taking a part for the whole.
    public let nextPiece: @Sendable () async throws -> [UInt8]?

    public init(maxPieceBytes: Int, nextPiece: @escaping @Sendable () async throws -> [UInt8]?) {
        self.maxPieceBytes = maxPieceBytes
        self.nextPiece = nextPiece
    }
}
