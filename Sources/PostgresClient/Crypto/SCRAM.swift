/// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it: no channel binding,
/// and an empty user name in the messages (the server takes the user from the startup message).
public struct SCRAMClient: Sendable {
    public enum Failure: Error, Equatable {
        case malformedServerMessage
        case nonceMismatch
        case serverSignatureMismatch
        case serverError(String)
    }

    private let password: [UInt8]
    private let clientNonce: String
    private let clientFirstBare: String
    private var expectedServerSignature: [UInt8] = []

    /// `user` is empty for PostgreSQL, which takes the user from the startup message.
    public init(password: String, nonce: String, user: String = "") {
        self.password = Array(password.utf8)
        clientNonce = nonce
        let escapedUser = user.replacingOccurrences("=", with: "=3D").replacingOccurrences(",", with: "=2C")
        clientFirstBare = "n=\(escapedUser),r=\(nonce)"
    }

    /// A nonce of 24 random bytes, base64-encoded.
    public static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64.encode((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// `n,,n=,r=<nonce>`: the gs2 header says no channel binding.
    public var clientFirstMessage: String { "n,,\(clientFirstBare)" }

    /// Answers `r=...,s=...,i=...` with `c=biws,r=...,p=<proof>`.
    public mutating func clientFinalMessage(serverFirst: String) throws(Failure) -> String {
        let attributes = try Self.attributes(serverFirst)
        guard let nonce = attributes["r"], let saltText = attributes["s"], let salt = Base64.decode(saltText),
            let iterationText = attributes["i"], let iterations = Int(iterationText), iterations > 0,
            iterations <= 1_000_000
        else { throw .malformedServerMessage }
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else { throw .nonceMismatch }
        let saltedPassword = PBKDF2.sha256(password: password, salt: salt, iterations: iterations)
        let clientKey = HMAC.sha256(key: saltedPassword, message: Array("Client Key".utf8))
        let storedKey = SHA256.hash(clientKey)
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = HMAC.sha256(key: storedKey, message: authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = HMAC.sha256(key: saltedPassword, message: Array("Server Key".utf8))
        expectedServerSignature = HMAC.sha256(key: serverKey, message: authMessage)
        return "\(withoutProof),p=\(Base64.encode(proof))"
    }

    /// Checks `v=<signature>`: proof that the server knew the password too.
    public func verify(serverFinal: String) throws(Failure) {
        let attributes = try Self.attributes(serverFinal)
        if let error = attributes["e"] { throw .serverError(error) }
        guard let signature = attributes["v"].flatMap(Base64.decode) else { throw .malformedServerMessage }
        // Compared in full whatever differs first.
        guard signature.count == expectedServerSignature.count,
            zip(signature, expectedServerSignature).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else { throw .serverSignatureMismatch }
    }

    private static func attributes(_ message: String) throws(Failure) -> [String: String] {
        var result: [String: String] = [:]
        for part in message.split(separator: ",") {
            guard part.count >= 2, part.dropFirst().first == "=" else { throw .malformedServerMessage }
            result[String(part.prefix(1))] = String(part.dropFirst(2))
        }
        return result
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, with replacement: String) -> String {
        reduce(into: "") { result, character in
            if character == target { result += replacement } else { result.append(character) }
        }
    }
}
