/// What an `Authentication*` message ('R') asks of the client, decoded from its code.
enum AuthenticationRequest: Equatable {
    /// Code 0: the server accepts the client.
    case ok
    /// Code 3: send the password as it is.
    case cleartextPassword
    /// Code 5: send `md5(md5(password + user) + salt)`.
    case md5Password(salt: [UInt8])
    /// Code 10: start SASL with one of these mechanisms.
    case sasl(mechanisms: [String])
    /// Code 11: the server's next SASL message (for SCRAM, server-first).
    case saslContinue(String)
    /// Code 12: the server's last SASL message (for SCRAM, server-final with its signature).
    case saslFinal(String)
    /// Kerberos, GSSAPI, SSPI and any code this client does not speak.
    case unsupported(code: Int32)

    init(payload: [UInt8]) throws(PostgresError) {
        var reader = PayloadReader(payload)
        guard let code = reader.int32() else { throw BackendMessage.malformed }
        switch code {
        case 0: self = .ok
        case 3: self = .cleartextPassword
        case 5:
            guard let salt = reader.bytes(4) else { throw BackendMessage.malformed }
            self = .md5Password(salt: salt)
        case 10:
            self = .sasl(mechanisms: reader.remaining.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
        case 11: self = .saslContinue(String(decoding: reader.remaining, as: UTF8.self))
        case 12: self = .saslFinal(String(decoding: reader.remaining, as: UTF8.self))
        default: self = .unsupported(code: code)
        }
    }
}
