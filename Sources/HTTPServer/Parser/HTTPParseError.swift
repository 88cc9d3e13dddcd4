/// Why a request could not be accepted. Each case maps to exactly one status; every one closes the connection.
public enum HTTPParseError: Error, Equatable, Sendable {
    case malformedRequestLine
    case invalidMethod
    case invalidTarget
    case unsupportedVersion
    case bareLineFeed
    case obsoleteLineFolding
    case malformedHeader
    case invalidHeaderName
    case invalidHeaderValue
    case missingHost
    case multipleHosts
    case invalidContentLength
    case contentLengthWithTransferEncoding
    case transferEncodingOnHTTP10
    case invalidTransferEncoding
    case unsupportedTransferEncoding
    case invalidChunk
    case chunkExtensionsTooLarge
    case invalidHost
    case targetTooLong
    case headersTooLarge
    case tooManyHeaders
    case bodyTooLarge
    case unsupportedExpectation

    public var status: HTTPStatus {
        switch self {
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferEncoding: .notImplemented
        case .targetTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    public var message: String {
        switch self {
        case .malformedRequestLine: "malformed request line"
        case .invalidMethod: "invalid method"
        case .invalidTarget: "invalid request target"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .bareLineFeed: "lines must end with CRLF"
        case .obsoleteLineFolding: "obsolete line folding is not accepted"
        case .malformedHeader: "malformed header field"
        case .invalidHeaderName: "invalid header field name"
        case .invalidHeaderValue: "invalid character in header field value"
        case .missingHost: "HTTP/1.1 requests need a Host header"
        case .multipleHosts: "more than one Host header"
        case .invalidContentLength: "invalid Content-Length"
        case .contentLengthWithTransferEncoding: "Content-Length and Transfer-Encoding together"
        case .transferEncodingOnHTTP10: "Transfer-Encoding is not allowed in HTTP/1.0"
        case .invalidTransferEncoding: "chunked must be the last and only once in Transfer-Encoding"
        case .unsupportedTransferEncoding: "only the chunked transfer coding is supported"
        case .invalidChunk: "malformed chunked body"
        case .chunkExtensionsTooLarge: "too many chunk extension bytes"
        case .invalidHost: "invalid Host header"
        case .targetTooLong: "request target too long"
        case .headersTooLarge: "request header section too large"
        case .tooManyHeaders: "too many header fields"
        case .bodyTooLarge: "request body too large"
        case .unsupportedExpectation: "only Expect: 100-continue is supported"
        }
    }
}
