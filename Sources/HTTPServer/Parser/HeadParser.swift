import Glibc
import TextEscaping

/// Parses a complete header section: request line, fields, and the framing they announce.
enum HeadParser {
    /// `bytes` is the head up to and including the CRLF that ends the last field line (not the blank line).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: HTTPLimits) throws(HTTPParseError) -> RequestHead {
        var lines = LineSplitter(bytes: bytes)
        guard let requestLine = lines.next() else { throw .malformedRequestLine }
        var request = try parseRequestLine(requestLine, limits: limits)
        var headers = HTTPHeaders()
        // The fields that decide framing, noted as they go by rather than looked for afterwards.
        var framingFields = FramingFields()
        while let line = lines.next() {
            if headers.count == limits.maxHeaderCount { throw .tooManyHeaders }
            let field = try parseField(line)
            framingFields.note(field)
            headers.add(field.name, field.value)
        }
        request.headers = headers
        return RequestHead(
            request: request,
            framing: try framing(of: framingFields, version: request.version, limits: limits),
            expectsContinue: try expectsContinue(framingFields.expectations, version: request.version)
        )
    }

    /// The values of the fields that say how the body is framed, each list in order of appearance.
    private struct FramingFields {
        /// The first Host, and how many there were: every request has one, so no array is made for it.
        var host: String?
        var hostCount = 0
        var transferEncodings: [String] = []
        var contentLengths: [String] = []
        var expectations: [String] = []

        /// Names are the parser's lowercased, shared copies, so each comparison is of two small strings.
        mutating func note(_ field: HTTPHeaders.Field) {
            switch field.name {
            case "host":
                if hostCount == 0 { host = field.value }
                hostCount += 1
            case "transfer-encoding": transferEncodings.append(field.value)
            case "content-length": contentLengths.append(field.value)
            case "expect": expectations.append(field.value)
            default: break
            }
        }
    }

    static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>, limits: HTTPLimits) throws(HTTPParseError)
        -> Request
    {
        // The method is checked first, as RequestParser does on an incomplete line, so both agree.
        let methodEnd = line.firstIndex(of: ByteClass.space) ?? line.count
        let method = UnsafeBufferPointer(rebasing: line[..<methodEnd])
        guard !method.isEmpty, method.allSatisfy(ByteClass.isToken) else { throw .invalidMethod }
        guard let lastSpace = line.lastIndex(of: ByteClass.space), methodEnd < lastSpace else {
            throw .malformedRequestLine
        }
        let target = UnsafeBufferPointer(rebasing: line[(methodEnd + 1)..<lastSpace])
        let version = try parseVersion(UnsafeBufferPointer(rebasing: line[(lastSpace + 1)...]))
        if target.count > limits.maxTargetBytes { throw .targetTooLong }
        guard !target.isEmpty, target.allSatisfy(ByteClass.isTargetCharacter) else { throw .invalidTarget }
        let methodText = CommonStrings.method(method)
        let (path, query) = try RequestTarget.split(target, method: methodText)
        // Most targets are their path, byte for byte: one string serves as both.
        let pathIsTarget =
            query == nil && path.utf8.count == target.count
            && withUTF8Bytes(of: path) { sameBytes($0, target) }
        return Request(
            method: methodText, target: pathIsTarget ? path : String(decoding: target, as: UTF8.self), path: path,
            query: query, version: version)
    }

    /// `memcmp` rather than `elementsEqual`, whose generic loop costs as much as the rest of the request line.
    private static func sameBytes(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Bool {
        guard first.count == second.count else { return false }
        guard let firstStart = first.baseAddress, let secondStart = second.baseAddress else { return true }
        return memcmp(firstStart, secondStart, first.count) == 0
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

    private static func parseField(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPHeaders.Field {
        guard let first = line.first else { throw .malformedHeader }
        if first == ByteClass.space || first == ByteClass.tab { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: ByteClass.colon) else { throw .malformedHeader }
        let name = UnsafeBufferPointer(rebasing: line[..<colon])
        guard !name.isEmpty, name.allSatisfy(ByteClass.isToken) else { throw .invalidHeaderName }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == ByteClass.space || line[valueStart] == ByteClass.tab {
            valueStart += 1
        }
        while valueEnd > valueStart, line[valueEnd - 1] == ByteClass.space || line[valueEnd - 1] == ByteClass.tab {
            valueEnd -= 1
        }
        let value = UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd])
        guard value.allSatisfy(ByteClass.isFieldValue) else { throw .invalidHeaderValue }
        return (name: CommonStrings.headerName(name), value: String(decoding: value, as: UTF8.self))
    }

    /// RFC 9112 section 6: exactly one way to find the end of the body, or the request is refused.
    private static func framing(of fields: FramingFields, version: HTTPVersion, limits: HTTPLimits)
        throws(HTTPParseError) -> BodyFraming
    {
        if fields.hostCount > 1 { throw .multipleHosts }
        if fields.host == nil && version == .http11 { throw .missingHost }
        if let host = fields.host, !HostField.isValid(host) { throw .invalidHost }

        let transferEncodings = fields.transferEncodings
        let contentLengths = fields.contentLengths
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
        let expectations = values.flatMap(commaSeparatedTokens)
        if expectations.isEmpty { return false }
        guard expectations.allSatisfy({ $0 == "100-continue" }) else { throw .unsupportedExpectation }
        return version == .http11
    }
}
