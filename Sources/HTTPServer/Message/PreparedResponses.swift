import TextEscaping

/// The serialized bytes of responses that handlers return again and again: a cached `/health` answer, a
/// constant greeting. Such a response is serialized once per second (its `Date` changes) instead of once per
/// request; only its `X-Request-ID` is written each time. One per event loop.
///
/// A response is recognised by its box. The entry keeps the box alive, so that its memory cannot be reused by
/// another response meanwhile, and a change to a shared copy moves it to a new box: the same box means the
/// same status, fields and body. A response is prepared the second time it is seen in a row, so that
/// responses made afresh for each request (errors, notes) are serialized as before without filling the
/// entries.
struct PreparedResponses {
    /// What recognises a response: its box, which the entry keeps alive, and whether the connection stays
    /// open after it (the last line of its head says so).
    private struct Identity: Equatable {
        let box: ObjectIdentifier
        let keepAlive: Bool

        init(_ response: Response, keepAlive: Bool) {
            box = ObjectIdentifier(response.storage)
            self.keepAlive = keepAlive
        }
    }

    private struct Entry {
        let identity: Identity
        /// Held only to keep its box, and so the identity, its own.
        let response: Response
        let date: String
        /// Everything up to the request id, and everything after it (the body included).
        let beforeID: [UInt8]
        let afterID: [UInt8]
    }

    /// Bodies larger than this are not copied into an entry.
    static let maxBodyBytes = 4096
    static let capacity = 4

    private var entries: [Entry] = []
    private var nextReplaced = 0
    /// The last response serialized the slow way (nothing is kept alive for it).
    private var lastSeen: Identity?

    /// Appends the response as `ResponseSerializer` would; from prepared bytes when it can.
    mutating func serialize(
        _ response: Response, date: String, requestID: RequestID, version: HTTPVersion, keepAlive: Bool, isHead: Bool,
        into output: inout [UInt8]
    ) {
        // Only the common shape is prepared: HTTP/1.1, with its body, kept alive or closing (as every request
        // does with `Connection: close`).
        if version == .http11, !isHead, response.stream == nil, response.body.count <= Self.maxBodyBytes,
            let index = preparedIndex(for: Identity(response, keepAlive: keepAlive), of: response, date: date)
        {
            // Put together in stack memory and appended in one copy: each append to an array costs more than
            // the bytes it copies.
            let size = entries[index].beforeID.count + requestID.byteCount + entries[index].afterID.count
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { scratch in
                var bytes = ByteWriter(scratch: scratch)
                bytes.append(entries[index].beforeID)
                requestID.append(to: &bytes)
                bytes.append(entries[index].afterID)
                bytes.withBytes { output.append(contentsOf: $0) }
            }
            return
        }
        ResponseSerializer.serialize(
            response, date: date, requestID: requestID, version: version, keepAlive: keepAlive, isHead: isHead,
            into: &output)
    }

    /// The entry holding this response's bytes for this date: found, or made when the response is seen for
    /// the second time in a row; nil when it is to be serialized as usual.
    private mutating func preparedIndex(for identity: Identity, of response: Response, date: String) -> Int? {
        // By index, so that no entry is copied to be looked at.
        if let index = entries.indices.first(where: { entries[$0].identity == identity && entries[$0].date == date }) {
            return index
        }
        guard lastSeen == identity else {
            lastSeen = identity
            return nil
        }
        return prepare(response, identity: identity, date: date)
    }

    /// Serializes the response once with an empty id and splits it where the id goes: the bytes are the
    /// serializer's own. Replaces the entry for an earlier date, or the oldest when all are taken.
    private mutating func prepare(_ response: Response, identity: Identity, date: String) -> Int? {
        var bytes: [UInt8] = []
        ResponseSerializer.serialize(
            response, date: date, requestID: RequestID(""), version: .http11, keepAlive: identity.keepAlive,
            isHead: false, into: &bytes)
        let marker = Array("\r\nX-Request-ID: ".utf8)
        // The first one is the server's: a handler's fields come after it, and cannot hold a line break.
        guard let markerOffset = bytes.withUnsafeBufferPointer({ firstOffset(of: marker, in: $0) }) else { return nil }
        let split = markerOffset + marker.count
        let entry = Entry(
            identity: identity, response: response, date: date,
            beforeID: Array(bytes[..<split]), afterID: Array(bytes[split...]))
        if let stale = entries.firstIndex(where: { $0.identity == identity }) {
            entries[stale] = entry
            return stale
        }
        if entries.count < Self.capacity {
            entries.append(entry)
            return entries.count - 1
        }
        let replaced = nextReplaced
        entries[replaced] = entry
        nextReplaced = (nextReplaced + 1) % Self.capacity
        return replaced
    }
}
