import Glibc
import Testing

@testable import HTTPServer

/// Byte-level rewrites of text the standard library or libc already knows how to make: both must agree.
@Suite struct TextFormTests {
    @Test(arguments: ["0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.100.9", "1.20.255.3", "192.168.10.99"])
    func dottedQuadsMatchInetNtop(address: String) throws {
        var parsed = in_addr()
        try #require(inet_pton(AF_INET, address, &parsed) == 1)
        #expect(Socket.dottedQuad(UInt32(bigEndian: parsed.s_addr)) == address)
    }

    @Test(arguments: [
        (" Keep-Alive , ,close,\tUpgrade ", ["keep-alive", "close", "upgrade"]),
        ("", []), (",", []), ("close", ["close"]), ("a,,b", ["a", "b"]), (" \t ", []),
    ])
    func commaSeparatedTokensAreTrimmedLowercasedAndNonEmpty(value: String, tokens: [String]) {
        #expect(commaSeparatedTokens(value) == tokens)
    }
}
