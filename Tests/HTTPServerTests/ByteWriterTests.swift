import Testing
import TextEscaping

@Suite struct ByteWriterTests {
    @Test func aLineLongerThanItsScratchMovesToMemoryOfItsOwnAndKeepsEveryByte() {
        let text = String(repeating: "0123456789", count: 100)
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { scratch in
            var bytes = ByteWriter(scratch: scratch)
            bytes.append(UInt8(ascii: "["))
            bytes.append(utf8: text)
            bytes.append(decimal: -42)
            bytes.append(Array("]".utf8))
            return bytes.withBytes { String(decoding: $0, as: UTF8.self) }
        }
        #expect(written == "[" + text + "-42]")
    }

    @Test(arguments: [0, 7, 10, 99, 100, -1, -10, Int.max, Int.min])
    func decimalsMatchTheStandardLibrary(value: Int) {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4) { scratch in
            var bytes = ByteWriter(scratch: scratch)
            bytes.append(decimal: value)
            return bytes.withBytes { String(decoding: $0, as: UTF8.self) }
        }
        var array: [UInt8] = []
        appendDecimal(value, to: &array)
        #expect(written == String(value))
        #expect(String(decoding: array, as: UTF8.self) == String(value))
    }

    @Test func roomLentInPlaceKeepsOnlyWhatWasWritten() {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8) { scratch in
            var bytes = ByteWriter(scratch: scratch)
            bytes.append(utf8: "ab")
            bytes.appendInPlace(maximum: 32) { room in
                room[0] = UInt8(ascii: "c")
                return 1
            }
            bytes.append(utf8: "d")
            return bytes.withBytes { String(decoding: $0, as: UTF8.self) }
        }
        #expect(written == "abcd")
    }
}
