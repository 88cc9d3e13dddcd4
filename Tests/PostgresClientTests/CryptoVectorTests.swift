import Testing

@testable import PostgresClient

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct CryptoVectorTests {
    /// RFC 1321, appendix A.5.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"
        ),
    ])
    func md5MatchesRFC1321(_ input: String, _ digest: String) {
        #expect(hex(MD5.hash(bytes(input))) == digest)
    }

    /// FIPS 180-4 examples (NIST CSRC "SHA256.pdf"), and the one-million-'a' message.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func sha256MatchesFIPS180(_ input: String, _ digest: String) {
        #expect(hex(SHA256.hash(bytes(input))) == digest)
    }

    @Test func sha256OfAMillionAs() {
        #expect(
            hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// RFC 4231 test cases 1, 2, 6 and 7 (6 and 7 use a key longer than the block).
    @Test func hmacSHA256MatchesRFC4231() {
        #expect(
            hex(HMAC.sha256(key: [UInt8](repeating: 0x0b, count: 20), message: bytes("Hi There")))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            hex(HMAC.sha256(key: bytes("Jefe"), message: bytes("what do ya want for nothing?")))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let longKey = [UInt8](repeating: 0xaa, count: 131)
        #expect(
            hex(HMAC.sha256(key: longKey, message: bytes("Test Using Larger Than Block-Size Key - Hash Key First")))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let message7 =
            "This is a test using a larger than block-size key and a larger than block-size data. "
            + "The key needs to be hashed before being used by the HMAC algorithm."
        #expect(
            hex(HMAC.sha256(key: longKey, message: bytes(message7)))
                == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    /// RFC 7914 section 11, first PBKDF2-HMAC-SHA256 vector.
    @Test func pbkdf2MatchesRFC7914() {
        #expect(
            hex(PBKDF2.sha256(password: bytes("passwd"), salt: bytes("salt"), iterations: 1, length: 64))
                == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
        // The RFC's second vector (80,000 iterations) takes seconds in a debug build; SCRAM below covers 4,096.
    }

    @Test func base64RoundTripsAndRejectsGarbage() {
        #expect(Base64.encode(bytes("")) == "")
        #expect(Base64.encode(bytes("f")) == "Zg==")
        #expect(Base64.encode(bytes("fo")) == "Zm8=")
        #expect(Base64.encode(bytes("foobar")) == "Zm9vYmFy")
        #expect(Base64.decode("Zm9vYg==") == bytes("foob"))
        #expect(Base64.decode("Zm9v!mFy") == nil)
        #expect(Base64.decode("Zm9") == nil)
        #expect(Base64.decode("Zg==Zg==") == nil)
    }

    /// RFC 7677 section 3: the SCRAM-SHA-256 exchange for user "user", password "pencil".
    @Test func scramMatchesRFC7677() throws {
        var client = SCRAMClient(password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO")
        // PostgreSQL sends an empty user name in the messages; the RFC's example uses "user", so the
        // client-first-bare differs and the proof with it. The RFC's values are checked with its own user below.
        #expect(client.clientFirstMessage == "n,,n=,r=rOprNGfwEbeRWgbNEkqO")
        let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        let final = try client.clientFinalMessage(serverFirst: serverFirst)
        #expect(final.hasPrefix("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p="))

        var rfcClient = SCRAMClient(password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO", user: "user")
        #expect(rfcClient.clientFirstMessage == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
        #expect(
            try rfcClient.clientFinalMessage(serverFirst: serverFirst)
                == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
        try rfcClient.verify(serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        #expect(throws: SCRAMClient.Failure.serverSignatureMismatch) {
            try rfcClient.verify(serverFinal: "v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        }
    }

    @Test func scramRejectsANonceTheClientDidNotStart() {
        var client = SCRAMClient(password: "pencil", nonce: "abc")
        #expect(throws: SCRAMClient.Failure.nonceMismatch) {
            try client.clientFinalMessage(serverFirst: "r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        }
        #expect(throws: SCRAMClient.Failure.malformedServerMessage) {
            try client.clientFinalMessage(serverFirst: "r=abc123,s=!!,i=4096")
        }
    }

    /// The md5 password message for alice/secret with salt 01 02 03 04, computed independently with md5sum:
    /// inner=$(printf secretalice | md5sum); then md5sum of that hex followed by the four salt bytes.
    @Test func md5PasswordResponse() {
        #expect(
            StartupStateMachine.md5Response("alice", "secret", [1, 2, 3, 4])
                == "md598a0412b9c31436fc53776e863350083")
    }
}
