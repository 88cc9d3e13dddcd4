import Testing

@testable import HTTPServer

/// Prepared bytes must be exactly what the serializer writes, for every request id, and never outlive a
/// change to the response, its status or the date.
@Suite struct PreparedResponsesTests {
    private static let date = "Thu, 26 Nov 2026 18:00:00 GMT"

    private func serialized(
        _ response: Response, id: String, date: String = date, version: HTTPVersion = .http11, keepAlive: Bool = true,
        head: Bool = false
    ) -> [UInt8] {
        ResponseSerializer.serialize(
            response, date: date, requestID: id, version: version, keepAlive: keepAlive, isHead: head)
    }

    private func prepared(
        _ response: Response, id: String, by cache: inout PreparedResponses, date: String = date,
        version: HTTPVersion = .http11, keepAlive: Bool = true, head: Bool = false
    ) -> [UInt8] {
        var output: [UInt8] = []
        cache.serialize(
            response, date: date, requestID: RequestID(id), version: version, keepAlive: keepAlive, isHead: head,
            into: &output)
        return output
    }

    @Test func aRepeatedResponseIsWrittenExactlyAsTheSerializerWritesIt() {
        var cache = PreparedResponses()
        let response = Response.json(.ok, #"{"status": "ok"}"#, headers: HTTPHeaders([("Cache-Control", "no-store")]))
        for round in 1...5 {
            let id = "id-\(String(repeating: "x", count: round * 7))"
            #expect(prepared(response, id: id, by: &cache) == serialized(response, id: id))
        }
    }

    /// With `Connection: close` every answer is its connection's last: prepared too, never mixed up with the
    /// kept-alive bytes of the same response.
    @Test func closingAndKeptAliveAnswersOfOneResponseAreEachWrittenAsTheSerializerWritesThem() {
        var cache = PreparedResponses()
        let response = Response.json(.ok, #"{"status": "ok"}"#)
        for round in 1...6 {
            let keepAlive = round % 3 != 0
            let id = "id-\(round)"
            #expect(
                prepared(response, id: id, by: &cache, keepAlive: keepAlive)
                    == serialized(response, id: id, keepAlive: keepAlive))
        }
        for id in ["a", "b", "c"] {
            #expect(
                prepared(response, id: id, by: &cache, keepAlive: false)
                    == serialized(response, id: id, keepAlive: false))
        }
    }

    @Test func appendsAfterWhatTheOutputAlreadyHolds() {
        var cache = PreparedResponses()
        let response = Response.json(.ok, "{}")
        var output: [UInt8] = Array("earlier".utf8)
        for id in ["a", "b", "c"] {
            cache.serialize(
                response, date: Self.date, requestID: RequestID(id), version: .http11, keepAlive: true, isHead: false,
                into: &output)
        }
        #expect(output == Array("earlier".utf8) + ["a", "b", "c"].flatMap { serialized(response, id: $0) })
    }

    @Test func aChangedCopyIsNeverAnsweredWithTheOldBytes() {
        var cache = PreparedResponses()
        var response = Response.json(.ok, #"{"n": 1}"#)
        for id in ["1", "2", "3"] { _ = prepared(response, id: id, by: &cache) }
        response.headers.set("Cache-Control", "no-store")
        #expect(prepared(response, id: "4", by: &cache) == serialized(response, id: "4"))
        response.body = Array(#"{"n": 2}"#.utf8)
        #expect(prepared(response, id: "5", by: &cache) == serialized(response, id: "5"))
        response.status = .serviceUnavailable
        #expect(prepared(response, id: "6", by: &cache) == serialized(response, id: "6"))
        for id in ["7", "8"] {
            #expect(prepared(response, id: id, by: &cache) == serialized(response, id: id))
        }
    }

    @Test func aNewDateIsWrittenAtOnce() {
        var cache = PreparedResponses()
        let response = Response.json(.ok, "{}")
        for id in ["1", "2", "3"] { _ = prepared(response, id: id, by: &cache) }
        let later = "Thu, 26 Nov 2026 18:00:01 GMT"
        #expect(prepared(response, id: "4", by: &cache, date: later) == serialized(response, id: "4", date: later))
    }

    @Test func headClosingAndHTTP10AnswersAreSerializedAsBefore() {
        var cache = PreparedResponses()
        let response = Response.json(.ok, "{}")
        for id in ["1", "2", "3"] { _ = prepared(response, id: id, by: &cache) }
        #expect(prepared(response, id: "h", by: &cache, head: true) == serialized(response, id: "h", head: true))
        #expect(
            prepared(response, id: "c", by: &cache, keepAlive: false) == serialized(response, id: "c", keepAlive: false)
        )
        #expect(
            prepared(response, id: "v", by: &cache, version: .http10) == serialized(response, id: "v", version: .http10)
        )
    }

    @Test func manyDifferentResponsesStayCorrect() {
        var cache = PreparedResponses()
        let responses = (0..<(PreparedResponses.capacity * 2)).map { Response.json(.ok, "{\"n\": \($0)}") }
        for round in 0..<3 {
            for (index, response) in responses.enumerated() {
                let id = "\(round)-\(index)"
                #expect(prepared(response, id: id, by: &cache) == serialized(response, id: id))
            }
        }
    }
}
