import TextEscaping

/// Decodes a chunked body (RFC 9112 section 7.1) as it arrives, consuming input as it goes,
/// so no more than the body limit is ever held. Trailer fields are read and discarded.
struct ChunkedDecoder {
    enum Progress: Equatable {
        case needMore
        case done
    }

    private enum Phase {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailer
    }

    private var phase = Phase.size
    private(set) var body: [UInt8] = []
    private var trailerBytes = 0
    /// Extension bytes so far, all chunks together: each line is limited, and so is their sum, or a client
    /// could send gigabytes of extensions around a tiny body (compare Go's CVE-2023-39326).
    private var extensionBytes = 0

    mutating func decode(_ input: inout InputBuffer, limits: HTTPLimits) throws(HTTPParseError) -> Progress {
        while true {
            switch phase {
            case .size:
                guard let line = try takeLine(&input, limit: limits.maxChunkLineBytes, error: .invalidChunk) else {
                    return .needMore
                }
                let (size, extensionLength) = try Self.parseChunkSize(line)
                extensionBytes += extensionLength
                if extensionBytes > limits.maxChunkExtensionBytes { throw .chunkExtensionsTooLarge }
                if size > limits.maxBodyBytes - body.count { throw .bodyTooLarge }
                phase = size == 0 ? .trailer : .data(remaining: size)
            case .data(let remaining):
                let available = min(remaining, input.readableCount)
                if available == 0 { return .needMore }
                body.append(contentsOf: input.take(available))
                phase = available == remaining ? .dataEnd : .data(remaining: remaining - available)
            case .dataEnd:
                guard input.readableCount >= 2 else { return .needMore }
                let ending = input.take(2)
                guard ending == [ByteClass.cr, ByteClass.lf] else { throw .invalidChunk }
                phase = .size
            case .trailer:
                let remainingAllowance = limits.maxHeaderBytes - trailerBytes
                guard let line = try takeLine(&input, limit: remainingAllowance, error: .headersTooLarge) else {
                    return .needMore
                }
                if line.isEmpty { return .done }
                trailerBytes += line.count + 2
                guard line.contains(ByteClass.colon), line.allSatisfy(ByteClass.isFieldValue) else {
                    throw .malformedHeader
                }
            }
        }
    }

    /// Takes one CRLF-terminated line without its CRLF, or nil if it has not fully arrived.
    private func takeLine(_ input: inout InputBuffer, limit: Int, error: HTTPParseError) throws(HTTPParseError)
        -> [UInt8]?
    {
        let scan = input.withReadableBytes { bytes -> (end: Int?, bareLF: Bool) in
            let end = findCRLF(bytes)
            let scanned = UnsafeBufferPointer(rebasing: bytes[..<(end ?? bytes.count)])
            return (end, scanned.contains(ByteClass.lf))
        }
        if scan.bareLF { throw .bareLineFeed }
        guard let end = scan.end else {
            if input.readableCount > limit { throw error }
            return nil
        }
        if end > limit { throw error }
        let line = input.take(end)
        input.consume(2)
        return line
    }

    /// chunk-size [ chunk-ext ]: hex digits, then nothing or extensions introduced by ";" (whitespace is
    /// allowed before the ";", RFC 9112 section 7.1.1, never on its own). Returns the size and the length of
    /// what follows it.
    static func parseChunkSize(_ line: [UInt8]) throws(HTTPParseError) -> (size: Int, extensionLength: Int) {
        var size = 0
        var index = 0
        while index < line.count, let digit = hexValue(line[index]) {
            if size > (Int.max - Int(digit)) / 16 { throw .invalidChunk }
            size = size * 16 + Int(digit)
            index += 1
        }
        guard index > 0 else { throw .invalidChunk }
        let rest = line[index...].drop { $0 == ByteClass.space || $0 == ByteClass.tab }
        guard index == line.count || (rest.first == UInt8(ascii: ";") && rest.allSatisfy(ByteClass.isFieldValue))
        else { throw .invalidChunk }
        return (size, line.count - index)
    }
}
