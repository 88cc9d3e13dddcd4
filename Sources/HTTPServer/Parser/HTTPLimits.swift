/// Bounds on what a client may send. Each one breached is answered with its status, then the connection closes.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line plus header fields, in bytes (431 beyond it).
    public var maxHeaderBytes = 16 * 1024
    /// The request target, in bytes (414 beyond it).
    public var maxTargetBytes = 8 * 1024
    /// Number of header fields (431 beyond it).
    public var maxHeaderCount = 100
    /// Request body, in bytes, decoded (413 beyond it).
    public var maxBodyBytes = 1024 * 1024
    /// One chunk-size line of a chunked body, extensions included (400 beyond it).
    public var maxChunkLineBytes = 4 * 1024
    /// Chunk extensions of one request, all lines together (400 beyond it).
    public var maxChunkExtensionBytes = 16 * 1024

    public init() {}
}
