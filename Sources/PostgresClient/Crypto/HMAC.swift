/// HMAC-SHA-256 (RFC 2104) and PBKDF2-HMAC-SHA-256 (RFC 8018), for SCRAM-SHA-256.
public struct HMAC: Sendable {
    /// The hash states after absorbing the padded key, reused for every message under the same key.
    private let inner: SHA256
    private let outer: SHA256

    public init(key: [UInt8]) {
        var key = key.count > SHA256.blockSize ? SHA256.hash(key) : key
        key += [UInt8](repeating: 0, count: SHA256.blockSize - key.count)
        var inner = SHA256()
        inner.update(key.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(key.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        var inner = self.inner
        inner.update(message)
        var outer = self.outer
        outer.update(inner.finalize())
        return outer.finalize()
    }

    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMAC(key: key).authenticate(message)
    }
}

public enum PBKDF2 {
    /// Derives `length` bytes from `password` and `salt` with `iterations` rounds of HMAC-SHA-256.
    public static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
        let hmac = HMAC(key: password)
        var derived: [UInt8] = []
        var blockIndex: UInt32 = 1
        while derived.count < length {
            let indexBytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: blockIndex >> UInt32($0)) }
            var block = hmac.authenticate(salt + indexBytes)
            var result = block
            for _ in 1..<max(iterations, 1) {
                block = hmac.authenticate(block)
                for index in result.indices { result[index] ^= block[index] }
            }
            derived += result
            blockIndex += 1
        }
        return Array(derived.prefix(length))
    }
}
