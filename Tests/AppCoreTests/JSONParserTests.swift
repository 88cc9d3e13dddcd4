import Testing

@testable import AppCore

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParser.Failure) -> JSON {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" { "a": [1, -2.5, 1e3, true, false, null], "b": {"c": "d"} } "#)
        #expect(value["a"] == .array([.integer(1), .number(-2.5), .number(1000), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d"))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t\u00fc\ud83c\udf89""#) == .string("a\"b\\c/d\n\tü🎉"))
    }

    @Test(arguments: [
        "", "{", "{\"a\" 1}", "{\"a\": 1,}", "[1,]", "01", "1.", ".5", "-", "+1", "tru", "\"abc", "\"a\u{1}b\"",
        "\"\\x\"", "\"\\ud800\"", "{\"a\": 1} x", "NaN", "1e999", "[\"\\u12G4\"]",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func boundsNestingDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.Failure(message: "nested too deeply at byte 64")) { try parse(deep) }
        #expect(throws: Never.self) {
            try parse(String(repeating: "[", count: 63) + String(repeating: "]", count: 63))
        }
    }
}
