import Glibc

// libFuzzer entry point for the request parser, compiled together with the parser's sources by
// `./run.sh fuzz` (not part of the package). Two properties are checked on every input:
// the parser never crashes, and bytes delivered in small pieces give exactly what they give all at once.

/// What parsing produced: the requests, in order, and the status of the error that stopped it, if any.
/// Statuses, not error cases, are compared: input with two faults may be caught by different checks first
/// depending on how it arrives, and the client sees the same answer either way.
struct ParseTranscript: Equatable {
    var requests: [String] = []
    var errorStatus: Int?
}

func transcript(of bytes: [UInt8], pieceSize: Int) -> ParseTranscript {
    var parser = RequestParser(limits: HTTPLimits())
    var input = InputBuffer()
    var result = ParseTranscript()
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + pieceSize, bytes.count)
        bytes[offset..<end].withUnsafeBytes { input.append($0) }
        offset = end
        do {
            while case .request(let request) = try parser.parse(&input) {
                result.requests.append(describe(request))
            }
        } catch {
            result.errorStatus = error.status.code
            return result
        }
    }
    return result
}

func describe(_ request: Request) -> String {
    let headers = request.headers.map { "\($0.name)=\($0.value)" }.joined(separator: "|")
    return "\(request.method) \(request.target) \(request.path) \(request.query ?? "-") \(request.version) "
        + "\(request.wantsKeepAlive) \(headers) \(request.body)"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = transcript(of: bytes, pieceSize: max(bytes.count, 1))
    let pieceSize = Int(bytes.first ?? 0) % 7 + 1
    let pieces = transcript(of: bytes, pieceSize: pieceSize)
    if whole != pieces {
        print("whole:  \(whole)\npieces of \(pieceSize): \(pieces)")
        fflush(nil)
        abort()
    }
    return 0
}
