/// The serialized bytes of responses that handlers return again and again: a cached `/health` answer, a
/// constant greeting. Such a response is serialized once per second (its `Date` changes) instead of once per
/// request; only its `X-Request-ID` is written each time. One per event loop.
///
/// A response is recognised by where its headers and body are stored, together with its status. The entry
/// keeps both alive, so that storage cannot be reused by another response meanwhile, and a change to a shared
/// copy moves it elsewhere: the same storage means the same fields and body. A response is prepared the
/// second time it is seen in a row, so that responses made afresh for each request (errors, notes) are
/// serialized as before without filling the entries.
struct PreparedResponses {
    private struct Entry {
        let status: HTTPStatus
        /// Held only to keep their storage, and so the identity below, theirs.
        let headers: HTTPHeaders
        let body: [UInt8]
        let date: String
        /// Everything up to the request id, and everything after it (the body included).
        let beforeID: [UInt8]
        let afterID: [UInt8]

        func matches(_ response: Response, date: String) -> Bool {
            response.status == status && response.headers.storageAddress == headers.storageAddress
                && Self.address(of: response.body) == Self.address(of: body) && response.body.count == body.count
                && date == self.date
        }

        static func address(of bytes: [UInt8]) -> UnsafeRawPointer? {
            bytes.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        }
    }

    /// Bodies larger than this are not copied into an entry.
    static let maxBodyBytes = 4096
    static let capacity = 4

    private var entries: [Entry] = []
    private var nextReplaced = 0
    /// The last response serialized the slow way, by identity only (nothing is kept alive for it).
    private var lastSeen: (headers: UnsafeRawPointer?, body: UnsafeRawPointer?, code: Int)?

    /// Appends the response as `ResponseSerializer` would; from prepared bytes when it can.
    mutating func serialize(
        _ response: Response, date: String, requestID: RequestID, version: HTTPVersion, keepAlive: Bool, isHead: Bool,
        into output: inout [UInt8]
    ) {
        // Only the common shape is prepared: HTTP/1.1, kept alive, with its body.
        guard version == .http11, keepAlive, !isHead, response.body.count <= Self.maxBodyBytes else {
            ResponseSerializer.serialize(
                response, date: date, requestID: requestID, version: version, keepAlive: keepAlive, isHead: isHead,
                into: &output)
            return
        }
        // By index, so that no entry is copied to be looked at.
        for index in entries.indices where entries[index].matches(response, date: date) {
            output.append(contentsOf: entries[index].beforeID)
            requestID.append(to: &output)
            output.append(contentsOf: entries[index].afterID)
            return
        }
        let identity = (response.headers.storageAddress, Entry.address(of: response.body), response.status.code)
        if let lastSeen, lastSeen == identity, let entry = prepare(response, date: date) {
            output.append(contentsOf: entry.beforeID)
            requestID.append(to: &output)
            output.append(contentsOf: entry.afterID)
            return
        }
        lastSeen = identity
        ResponseSerializer.serialize(
            response, date: date, requestID: requestID, version: version, keepAlive: keepAlive, isHead: isHead,
            into: &output)
    }

    /// Serializes the response once with an empty id and splits it where the id goes: the bytes are the
    /// serializer's own.
    private mutating func prepare(_ response: Response, date: String) -> Entry? {
        var bytes: [UInt8] = []
        ResponseSerializer.serialize(
            response, date: date, requestID: RequestID(""), version: .http11, keepAlive: true, isHead: false,
            into: &bytes)
        let marker = Array("\r\nX-Request-ID: ".utf8)
        // The first one is the server's: a handler's fields come after it, and cannot hold a line break.
        guard let markerOffset = bytes.withUnsafeBufferPointer({ firstOffset(of: marker, in: $0) }) else { return nil }
        let split = markerOffset + marker.count
        let entry = Entry(
            status: response.status, headers: response.headers, body: response.body, date: date,
            beforeID: Array(bytes[..<split]), afterID: Array(bytes[split...]))
        if let stale = entries.firstIndex(where: {
            $0.status == entry.status && $0.headers.storageAddress == entry.headers.storageAddress
                && Entry.address(of: $0.body) == Entry.address(of: entry.body)
        }) {
            entries[stale] = entry
        } else if entries.count < Self.capacity {
            entries.append(entry)
        } else {
            entries[nextReplaced] = entry
            nextReplaced = (nextReplaced + 1) % Self.capacity
        }
        return entry
    }
}
