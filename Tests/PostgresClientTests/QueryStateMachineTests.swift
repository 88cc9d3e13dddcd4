import Testing

@testable import PostgresClient

@Suite struct QueryStateMachineTests {
    static func message(_ type: Character, _ payload: [UInt8] = []) -> BackendMessage {
        BackendMessage(type: type.asciiValue ?? 0, payload: payload)
    }

    /// A DataRow of two columns: "42" and NULL.
    static let row = message("D", [0, 2, 0, 0, 0, 2, UInt8(ascii: "4"), UInt8(ascii: "2"), 255, 255, 255, 255])
    static let ready = message("Z", [UInt8(ascii: "I")])

    @Test func collectsRowsUntilReadyForQuery() throws {
        var machine = QueryStateMachine()
        for type: Character in ["1", "2"] { #expect(try machine.receive(Self.message(type)) == .needMore) }
        #expect(try machine.receive(Self.row) == .needMore)
        #expect(try machine.receive(Self.message("C", Array("SELECT 1\0".utf8))) == .needMore)
        #expect(try machine.receive(Self.ready) == .finished([["42", nil]]))
    }

    /// The error is held until ReadyForQuery, so the next query does not read this one's tail.
    @Test func anErrorIsThrownOnlyAtReadyForQuery() throws {
        var machine = QueryStateMachine()
        let error = Self.message("E", Array("SERROR\0C42P01\0Mno such table\0\0".utf8))
        #expect(try machine.receive(error) == .needMore)
        do {
            _ = try machine.receive(Self.ready)
            Issue.record("the error was lost")
        } catch {
            #expect(error.kind == .server(sqlState: "42P01"))
            #expect(!error.breaksConnection)
        }
    }

    @Test(arguments: ["R", "G", "W", "K"] as [Character])
    func unexpectedMessagesBreakTheConnection(_ type: Character) {
        var machine = QueryStateMachine()
        do {
            _ = try machine.receive(Self.message(type, [0, 0, 0, 0]))
            Issue.record("accepted '\(type)' during a query")
        } catch {
            #expect(error.kind == .protocolViolation)
            #expect(error.breaksConnection)
        }
    }

    @Test func aTruncatedDataRowIsAProtocolViolation() {
        var machine = QueryStateMachine()
        #expect(throws: PostgresError.self) { try machine.receive(Self.message("D", [0, 1, 0, 0, 0, 9, 1])) }
    }
}
