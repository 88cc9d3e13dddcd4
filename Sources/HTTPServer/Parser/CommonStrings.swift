import Glibc

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

        /// Byte for byte, as memcmp does it; `bytes` is as long as this one's.
        func matches(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
            bytes.withUnsafeBufferPointer { known in
                guard let left = known.baseAddress, let right = other.baseAddress else { return known.count == 0 }
                return memcmp(left, right, known.count) == 0
            }
        }
    }

    private static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"].map(Known.init)

    /// Lowercase, as the parser stores names.
    private static let headerNames = [
        "host", "user-agent", "accept", "accept-encoding", "accept-language", "connection", "content-type",
        "content-length", "transfer-encoding", "expect", "x-request-id", "x-forwarded-for", "x-forwarded-proto",
        "x-real-ip", "authorization", "cookie", "referer", "origin", "cache-control", "if-none-match",
        "if-modified-since", "upgrade-insecure-requests", "priority", "te",
    ].map(Known.init)

    /// The method spelled by `bytes`, shared when it is a common one.
    static func method(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        for known in methods where known.bytes.count == bytes.count && known.matches(bytes) { return known.text }
        return String(decoding: bytes, as: UTF8.self)
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
