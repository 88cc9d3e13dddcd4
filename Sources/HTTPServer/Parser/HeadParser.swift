import Glibc
import TextEscaping

/// Parses a complete header section: request line, fields, and the framing they announce.
enum HeadParser {
    /// `bytes` is the head up to and including the CRLF that ends the last field line (not the blank line).
    /// It is copied into `storage`, an emptied box, and every part of the request is noted as a range of it.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: HTTPLimits, into storage: Request.Storage)
        throws(HTTPParseError) -> RequestHead
    {
        var lines = LineSplitter(bytes: bytes)
        guard let requestLine = try lines.next() else { throw .malformedRequestLine }
        try parseRequestLine(requestLine, limits: limits, into: storage)
        // The fields that decide framing, noted as they go by rather than looked for afterwards.
        var framingFields = FramingFields()
        while let line = try lines.next() {
            if storage.fields.count == limits.maxHeaderCount { throw .tooManyHeaders }
            let field = try parseField(line, at: offset(of: line, in: bytes))
            framingFields.note(field, in: bytes)
            storage.fields.append(field)
        }
        // One copy over the last request's head, in the memory it had.
        storage.head.replaceSubrange(storage.head.indices, with: bytes)
        storage.hasConnectionField = framingFields.hasConnection
        storage.hasRequestIDField = framingFields.hasRequestID
        let version = storage.version
        return RequestHead(
            request: Request(storage: storage),
            framing: try framing(of: framingFields, in: bytes, version: version, limits: limits),
            expectsContinue: try expectsContinue(framingFields.values(of: .expect), version: version)
        )
    }

    /// Where `part` starts in `whole`, which holds it.
    private static func offset(of part: UnsafeBufferPointer<UInt8>, in whole: UnsafeBufferPointer<UInt8>) -> Int {
        guard let partStart = part.baseAddress, let wholeStart = whole.baseAddress else { return 0 }
        return partStart - wholeStart
    }

    /// Where the fields that say how the body is framed are, each list in order of appearance.
    private struct FramingFields {
        /// The first Host, and how many there were: every request has one, so no array is made for it.
        var host: Range<Int>?
        var hostCount = 0
        /// Transfer-Encoding, Content-Length and Expect, in order: one list, empty for most requests, and so
        /// one array to let go of rather than three.
        var bodyFields: [(name: BodyField, value: String)] = []
        /// Not framing, but read by the server on every request: noted here so that they are not searched for.
        var hasConnection = false
        var hasRequestID = false

        /// Only a request with a body or an expectation has the others, and makes strings of them.
        mutating func note(_ field: Request.FieldRange, in head: UnsafeBufferPointer<UInt8>) {
            let name = UnsafeBufferPointer(rebasing: head[field.name])
            let value = { String(decoding: head[field.value], as: UTF8.self) }
            switch name.count {
            case 4 where matches(name, "host"):
                if hostCount == 0 { host = field.value }
                hostCount += 1
            case 17 where matches(name, "transfer-encoding"): bodyFields.append((.transferEncoding, value()))
            case 14 where matches(name, "content-length"): bodyFields.append((.contentLength, value()))
            case 6 where matches(name, "expect"): bodyFields.append((.expect, value()))
            case 10 where matches(name, "connection"): hasConnection = true
            case 12 where matches(name, "x-request-id"): hasRequestID = true
            default: break
            }
        }

        enum BodyField {
            case transferEncoding
            case contentLength
            case expect
        }

        func values(of name: BodyField) -> [String] {
            bodyFields.compactMap { $0.name == name ? $0.value : nil }
        }

        private func matches(_ name: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
            equalsIgnoringASCIICase(name, lowercase: lowercase)
        }
    }

    /// The method, target, path, query and version, as parts of the head that `line` starts.
    static func parseRequestLine(
        _ line: UnsafeBufferPointer<UInt8>, limits: HTTPLimits, into storage: Request.Storage
    ) throws(HTTPParseError) {
        // The method is checked first, as RequestParser does on an incomplete line, so both agree. Plain
        // loops over indices: this runs on every request, and slices and closures cost more than the checks.
        var methodEnd = 0
        while methodEnd < line.count, line[methodEnd] != ByteClass.space {
            guard ByteClass.isToken(line[methodEnd]) else { throw .invalidMethod }
            methodEnd += 1
        }
        guard methodEnd > 0 else { throw .invalidMethod }
        // The version is the last eight bytes after the last space.
        var lastSpace = line.count - 1
        while lastSpace > methodEnd, line[lastSpace] != ByteClass.space { lastSpace -= 1 }
        guard lastSpace > methodEnd else { throw .malformedRequestLine }
        let targetRange = (methodEnd + 1)..<lastSpace
        storage.version = try parseVersion(UnsafeBufferPointer(rebasing: line[(lastSpace + 1)...]))
        if targetRange.count > limits.maxTargetBytes { throw .targetTooLong }
        guard !targetRange.isEmpty else { throw .invalidTarget }
        for index in targetRange where !ByteClass.isTargetCharacter(line[index]) { throw .invalidTarget }
        let method = UnsafeBufferPointer(rebasing: line[..<methodEnd])
        let target = UnsafeBufferPointer(rebasing: line[targetRange])
        let knownMethod = CommonStrings.knownMethod(method)
        storage.method = knownMethod.map(Request.Part.text) ?? .bytes(0..<methodEnd)
        storage.target = .bytes(targetRange)
        (storage.path, storage.query) = try RequestTarget.split(
            target, at: targetRange.lowerBound, isOptions: knownMethod == "OPTIONS")
    }

    private static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        // Byte by byte: a generic `starts(with:)` costs more than the rest of the line.
        guard bytes.count == 8, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"),
            bytes[2] == UInt8(ascii: "T"), bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/"),
            ByteClass.isDigit(bytes[5]),
            bytes[6] == UInt8(ascii: "."), ByteClass.isDigit(bytes[7])
        else { throw .malformedRequestLine }
        switch (bytes[5], bytes[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): return .http11
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): return .http10
        default: throw .unsupportedVersion
        }
    }

    /// The field line at `offset` of the head, as ranges of it.
    private static func parseField(_ line: UnsafeBufferPointer<UInt8>, at offset: Int) throws(HTTPParseError)
        -> Request.FieldRange
    {
        guard let first = line.first else { throw .malformedHeader }
        if first == ByteClass.space || first == ByteClass.tab { throw .obsoleteLineFolding }
        // One pass for the name, up to the colon; then the value, trimmed of spaces and tabs at both ends.
        var colon = 0
        while colon < line.count, line[colon] != ByteClass.colon {
            guard ByteClass.isToken(line[colon]) else {
                throw line[colon...].contains(ByteClass.colon) ? .invalidHeaderName : .malformedHeader
            }
            colon += 1
        }
        guard colon < line.count else { throw .malformedHeader }
        guard colon > 0 else { throw .invalidHeaderName }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == ByteClass.space || line[valueStart] == ByteClass.tab {
            valueStart += 1
        }
        while valueEnd > valueStart, line[valueEnd - 1] == ByteClass.space || line[valueEnd - 1] == ByteClass.tab {
            valueEnd -= 1
        }
        for index in valueStart..<valueEnd where !ByteClass.isFieldValue(line[index]) { throw .invalidHeaderValue }
        return Request.FieldRange(name: offset..<(offset + colon), value: (offset + valueStart)..<(offset + valueEnd))
    }

    /// RFC 9112 section 6: exactly one way to find the end of the body, or the request is refused.
    private static func framing(
        of fields: FramingFields, in head: UnsafeBufferPointer<UInt8>, version: HTTPVersion, limits: HTTPLimits
    ) throws(HTTPParseError) -> BodyFraming {
        if fields.hostCount > 1 { throw .multipleHosts }
        if fields.host == nil && version == .http11 { throw .missingHost }
        if let host = fields.host, !HostField.isValid(UnsafeBufferPointer(rebasing: head[host])) { throw .invalidHost }

        if fields.bodyFields.isEmpty { return .none }
        let transferEncodings = fields.values(of: .transferEncoding)
        let contentLengths = fields.values(of: .contentLength)
        if !transferEncodings.isEmpty {
            if !contentLengths.isEmpty { throw .contentLengthWithTransferEncoding }
            if version == .http10 { throw .transferEncodingOnHTTP10 }
            let codings = transferEncodings.flatMap(commaSeparatedTokens)
            if codings == ["chunked"] { return .chunked }
            if codings.contains("chunked") { throw .invalidTransferEncoding }
            throw .unsupportedTransferEncoding
        }
        guard !contentLengths.isEmpty else { return .none }
        var length: Int?
        for element in contentLengths.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let value = try parseContentLength(element.trimmingASCIIWhitespace())
            if let length, length != value { throw .invalidContentLength }
            length = value
        }
        guard let length else { throw .invalidContentLength }
        if length > limits.maxBodyBytes { throw .bodyTooLarge }
        return length == 0 ? .none : .length(length)
    }

    private static func parseContentLength(_ text: Substring) throws(HTTPParseError) -> Int {
        guard !text.isEmpty, text.utf8.allSatisfy(ByteClass.isDigit) else { throw .invalidContentLength }
        var value = 0
        for digit in text.utf8 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { throw .invalidContentLength }
            value = sum
        }
        return value
    }

    /// RFC 9110 section 10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored, and section
    /// 15.2 forbids sending a 1xx response to an HTTP/1.0 client.
    private static func expectsContinue(_ values: [String], version: HTTPVersion) throws(HTTPParseError) -> Bool {
        if values.isEmpty { return false }
        let expectations = values.flatMap(commaSeparatedTokens)
        if expectations.isEmpty { return false }
        guard expectations.allSatisfy({ $0 == "100-continue" }) else { throw .unsupportedExpectation }
        return version == .http11
    }
}
