/// Methods and header names that arrive in almost every request, made once. A request that uses one gets this
/// shared copy instead of a new string, decoded and checked again; a name the server looks for is then found
/// by comparing two copies of the same small string.
enum CommonStrings {
    /// A shared string with its bytes at hand, so that matching it costs no walk through a String's views.
    private struct Known {
        let text: String
        let bytes: [UInt8]

        init(_ text: String) {
            self.text = text
            bytes = Array(text.utf8)
        }
    }

    /// Lowercase, as header names read back.
    private static let headerNames = [
        "host", "user-agent", "accept", "accept-encoding", "accept-language", "connection", "content-type",
        "content-length", "transfer-encoding", "expect", "x-request-id", "x-forwarded-for", "x-forwarded-proto",
        "x-real-ip", "authorization", "cookie", "referer", "origin", "cache-control", "if-none-match",
        "if-modified-since", "upgrade-insecure-requests", "priority", "te",
    ].map(Known.init)

    /// The shared copy of the method spelled by `bytes`, when it is a common one. By length, then byte by
    /// byte: every request has a method, and most are one of these.
    static func knownMethod(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        func spells(_ text: StaticString) -> Bool {
            text.withUTF8Buffer { text in (0..<text.count).allSatisfy { bytes[$0] == text[$0] } }
        }
        switch bytes.count {
        case 3: return spells("GET") ? "GET" : spells("PUT") ? "PUT" : nil
        case 4: return spells("HEAD") ? "HEAD" : spells("POST") ? "POST" : nil
        case 5: return spells("PATCH") ? "PATCH" : nil
        case 6: return spells("DELETE") ? "DELETE" : nil
        case 7: return spells("OPTIONS") ? "OPTIONS" : nil
        default: return nil
        }
    }

    /// The header name spelled by `bytes`, lowercased, shared when it is a common one.
    static func headerName(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        for known in headerNames
        where known.bytes.count == bytes.count && known.bytes.elementsEqual(bytes, by: { $0 == asciiLowercased($1) }) {
            return known.text
        }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for index in bytes.indices { buffer[index] = asciiLowercased(bytes[index]) }
            return bytes.count
        }
    }
}
