import Glibc

/// Turns a connection's bytes into requests, one at a time, keeping its place between reads.
struct RequestParser {
    enum Outcome {
        case needMore
        case request(Request)
    }

    private enum State {
        case head
        case fixedBody(RequestHead, length: Int)
        case chunkedBody(RequestHead, ChunkedDecoder)
    }

    let limits: HTTPLimits
    private var state = State.head
    /// Bytes of an incomplete head already searched for its end, so a slow client costs linear time.
    private var scannedHeadBytes = 0
    /// The box of the last request parsed, reused for the next once nobody else holds it (its handler has
    /// returned and its answer is written): a connection's requests then allocate nothing for their heads.
    private var spare: Request.Storage?
    /// A box keeps the memory of a head up to this size between requests; a larger one's is let go.
    static let keptHeadBytes = 2048

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// True while a head with `Expect: 100-continue` waits for its body: the moment to send `100 Continue`.
    var awaitsContinuedBody: Bool {
        switch state {
        case .head: false
        case .fixedBody(let head, _), .chunkedBody(let head, _): head.expectsContinue
        }
    }

    var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    /// Body bytes decoded and held here rather than in the input buffer (a chunked body's).
    var bufferedBodyBytes: Int {
        if case .chunkedBody(_, let decoder) = state { return decoder.body.count }
        return 0
    }

    /// True between requests, when no byte of the next one has been consumed.
    var isIdle: Bool {
        if case .head = state { return scannedHeadBytes == 0 }
        return false
    }

    mutating func parse(_ input: inout InputBuffer) throws(HTTPParseError) -> Outcome {
        switch state {
        case .head:
            guard let head = try parseHead(&input) else { return .needMore }
            switch head.framing {
            case .none:
                return .request(head.request)
            case .length(let length):
                state = .fixedBody(head, length: length)
            case .chunked:
                state = .chunkedBody(head, ChunkedDecoder())
            }
            return try parse(&input)
        case .fixedBody(let head, let length):
            guard input.readableCount >= length else { return .needMore }
            // In place: the parser's own box, not yet seen by anyone but the parser.
            head.request.storage.body = input.take(length)
            state = .head
            return .request(head.request)
        case .chunkedBody(let head, var decoder):
            let progress = try decoder.decode(&input, limits: limits)
            guard progress == .done else {
                state = .chunkedBody(head, decoder)
                return .needMore
            }
            head.request.storage.body = decoder.body
            state = .head
            return .request(head.request)
        }
    }

    private mutating func parseHead(_ input: inout InputBuffer) throws(HTTPParseError) -> RequestHead? {
        // Asked again once the last request is out: an empty buffer has nothing to search or check.
        if input.isEmpty {
            scannedHeadBytes = 0
            return nil
        }
        skipEmptyLinesBeforeRequest(&input)
        let limits = self.limits
        let scanFrom = max(0, scannedHeadBytes - 3)
        let end = try input.withReadableBytes { bytes throws(HTTPParseError) -> Int? in
            let fresh = UnsafeBufferPointer(rebasing: bytes[scanFrom...])
            if let offset = firstOffset(of: Self.headTerminator, in: fresh) {
                return scanFrom + offset
            }
            try Self.rejectIncompleteHead(bytes, scanFrom: scanFrom, limits: limits)
            return nil
        }
        guard let end else {
            scannedHeadBytes = input.readableCount
            return nil
        }
        scannedHeadBytes = 0
        if end + 4 > limits.maxHeaderBytes { throw .headersTooLarge }
        let storage = emptyStorage()
        let head = try input.withReadableBytes { bytes throws(HTTPParseError) in
            let section = UnsafeBufferPointer(rebasing: bytes[..<(end + 2)])
            do throws(HTTPParseError) {
                return try HeadParser.parse(section, limits: limits, into: storage)
            } catch {
                // A stray CR or LF fails whichever check meets it first; it is named as what it is, whatever
                // else is wrong. Looked for only here, on the way out: a valid head is never searched twice.
                throw Self.hasBareLineFeed(section) ? .bareLineFeed : error
            }
        }
        input.consume(end + 4)
        return head
    }

    /// The spare box when nobody else holds it, emptied; otherwise a new one, which becomes the spare.
    private mutating func emptyStorage() -> Request.Storage {
        if isKnownUniquelyReferenced(&spare), let spare {
            spare.reset(keptHeadBytes: Self.keptHeadBytes)
            return spare
        }
        let fresh = Request.Storage()
        // Room for a browser's fields at once, rather than growing four times on a new connection's first head.
        fresh.fields.reserveCapacity(16)
        spare = fresh
        return fresh
    }

    private static let headTerminator: [UInt8] = [ByteClass.cr, ByteClass.lf, ByteClass.cr, ByteClass.lf]

    /// Fails early instead of waiting for bytes that cannot make a valid head.
    private static func rejectIncompleteHead(
        _ bytes: UnsafeBufferPointer<UInt8>, scanFrom: Int, limits: HTTPLimits
    ) throws(HTTPParseError) {
        // Bytes before `scanFrom` were checked on an earlier read.
        if hasBareLineFeed(bytes, from: scanFrom) { throw .bareLineFeed }
        // A method is a token: anything else (a TLS handshake sent to a plain port, say) is refused at once
        // rather than waited on until the header timeout.
        let methodEnd = bytes.firstIndex { $0 == ByteClass.space || $0 == ByteClass.cr } ?? bytes.count
        if !bytes[..<methodEnd].allSatisfy(ByteClass.isToken) { throw .invalidMethod }
        if bytes.count > limits.maxTargetBytes + 64 && findCRLF(bytes) == nil { throw .targetTooLong }
        if bytes.count > limits.maxHeaderBytes { throw .headersTooLarge }
    }

    /// An LF not preceded by CR: RFC 9112 section 2.2 lets a server reject it, and we do.
    /// Only bytes from `start` on are checked (earlier ones were, on an earlier read); a CR that is the
    /// last byte so far may still be followed by its LF.
    private static func hasBareLineFeed(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Bool {
        // Found line by line with memchr rather than byte by byte: a head is mostly long lines.
        guard let base = bytes.baseAddress else { return false }
        func next(_ byte: UInt8, from index: Int) -> Int? {
            guard index < bytes.count, let found = memchr(base + index, Int32(byte), bytes.count - index) else {
                return nil
            }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base)
        }
        var index = start
        while let offset = next(ByteClass.lf, from: index) {
            if offset == 0 || bytes[offset - 1] != ByteClass.cr { return true }
            index = offset + 1
        }
        index = start > 0 ? start - 1 : 0
        while let offset = next(ByteClass.cr, from: index) {
            if offset + 1 < bytes.count && bytes[offset + 1] != ByteClass.lf { return true }
            index = offset + 1
        }
        return false
    }

    /// RFC 9112 section 2.2: a server should ignore empty lines received before a request line.
    /// The CRLF may arrive split across reads, so this runs on every call, not only on a fresh buffer.
    private mutating func skipEmptyLinesBeforeRequest(_ input: inout InputBuffer) {
        while input.readableCount >= 2 {
            let startsWithCRLF = input.withReadableBytes { $0[0] == ByteClass.cr && $0[1] == ByteClass.lf }
            guard startsWithCRLF else { return }
            input.consume(2)
            scannedHeadBytes = max(0, scannedHeadBytes - 2)
        }
    }
}
