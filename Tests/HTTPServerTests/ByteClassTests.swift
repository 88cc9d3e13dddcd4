import Testing
import TextEscaping

@testable import HTTPServer

/// The character classes are bit masks written as constants: they must be exactly the RFCs' sets.
@Suite struct ByteClassTests {
    @Test func tokenMaskIsRFC9110sTchar() {
        #expect(ByteClass.alphanumerics(and: "!#$%&'*+-.^_`|~") == ByteClass.tokenSet)
    }

    @Test func regNameMaskIsRFC3986sUnreservedAndSubDelims() {
        #expect(ByteClass.alphanumerics(and: "-._~!$&'()*+,;=%") == ByteClass.regNameSet)
    }

    @Test func hostMasksAreAnIPLiteralsCharactersAndDigits() {
        #expect(ByteClass.alphanumerics(and: "-._~!$&'()*+,;=%:") == HostField.ipLiteralSet)
        #expect(ByteSet("0123456789".utf8) == HostField.digitSet)
    }

    @Test func everyByteIsClassifiedAsTheGrammarSays() {
        let tchar = Set("!#$%&'*+-.^_`|~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(ByteClass.isToken(byte) == tchar.contains(byte), "byte \(byte)")
        }
        #expect(!ByteClass.isRegName(UInt8(ascii: "/")) && !ByteClass.isRegName(UInt8(ascii: ":")))
        #expect(!ByteClass.isRegName(0x80) && !ByteClass.isToken(0xFF))
    }
}
