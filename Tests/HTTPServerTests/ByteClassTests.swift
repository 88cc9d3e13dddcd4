import Testing

@testable import HTTPServer

/// The character classes are bit masks written as constants: they must be exactly the RFCs' sets.
@Suite struct ByteClassTests {
    @Test func tokenMaskIsRFC9110sTchar() {
        let spelled = ByteClass.alphanumerics(and: "!#$%&'*+-.^_`|~")
        #expect(spelled.low == ByteClass.tokenMasks.low && spelled.high == ByteClass.tokenMasks.high)
    }

    @Test func regNameMaskIsRFC3986sUnreservedAndSubDelims() {
        let spelled = ByteClass.alphanumerics(and: "-._~!$&'()*+,;=%")
        #expect(spelled.low == ByteClass.regNameMasks.low && spelled.high == ByteClass.regNameMasks.high)
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
