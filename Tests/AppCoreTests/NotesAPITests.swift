import HTTPServer
import Locking
import Testing

@testable import AppCore

@Suite struct NotesAPITests {
    private let api: NotesAPI

    init() async throws {
        let repository = NoteRepository(database: SQLiteDatabase(path: ":memory:"))
        try await repository.prepareSchema()
        api = NotesAPI(repository: repository, logger: Logger(level: .critical))
    }

    private func post(_ body: String, contentType: String? = "application/json") async -> Response {
        var headers = HTTPHeaders()
        if let contentType { headers.add("content-type", contentType) }
        return await api.create(
            Request(method: "POST", target: "/api/notes", path: "/api/notes", headers: headers, body: Array(body.utf8)))
    }

    private func request(_ method: String, id: String) -> Request {
        var request = Request(method: method, target: "/api/notes/\(id)", path: "/api/notes/\(id)")
        request.pathParameters = ["id": id]
        return request
    }

    private func text(_ response: Response) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func createsWith201LocationAndTheNote() async {
        let response = await post(#"{"text": "hello"}"#, contentType: "application/json; charset=utf-8")
        #expect(response.status == .created)
        #expect(response.headers["Location"] == "/api/notes/1")
        #expect(text(response).hasPrefix(#"{"id": 1, "text": "hello", "created_at": ""#))
    }

    @Test(arguments: [nil, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"])
    func refusesOtherContentTypesWith415(_ contentType: String?) async {
        let response = await post(#"{"text": "hello"}"#, contentType: contentType)
        #expect(response.status == .unsupportedMediaType)
        #expect(text(response) == #"{"error": "Content-Type must be application/json"}"#)
    }

    @Test(arguments: [
        ("{", "invalid JSON"), ("[]", "JSON object"), (#"{"txt": "a"}"#, "is missing: send"),
        (#"{"text": 5}"#, "must be a string"), (#"{"text": ""}"#, "1 to 1000 Unicode characters"),
        (#"{"text": "a\u0000b"}"#, "NUL"),
    ])
    func refusesInvalidBodiesWith400(_ body: String, _ message: String) async {
        let response = await post(body)
        #expect(response.status == .badRequest)
        #expect(text(response).contains(message))
    }

    @Test func countsUnicodeScalarsNotBytes() async {
        #expect(await post("{\"text\": \"\(String(repeating: "ü", count: 1000))\"}").status == .created)
        #expect(await post("{\"text\": \"\(String(repeating: "😀", count: 1000))\"}").status == .created)
        #expect(await post("{\"text\": \"\(String(repeating: "a", count: 1001))\"}").status == .badRequest)
    }

    /// One grapheme cluster of 500,000 scalars used to pass as "1 character": a megabyte per note.
    @Test func refusesOneCharacterMadeOfManyCombiningMarks() async {
        let heavy = "a" + String(repeating: "\u{301}", count: 500_000)
        #expect(heavy.count == 1)
        let response = await post("{\"text\": \"\(heavy)\"}")
        #expect(response.status == .badRequest)
        #expect(text(response).contains("1 to 1000 Unicode characters"))
        let justOver = "a" + String(repeating: "\u{301}", count: 1000)
        #expect(await post("{\"text\": \"\(justOver)\"}").status == .badRequest)
    }

    @Test func readsDeletesThenAnswers404() async {
        _ = await post(#"{"text": "doomed"}"#)
        #expect(await api.read(request("GET", id: "1")).status == .ok)
        #expect(await api.delete(request("DELETE", id: "1")).status == .noContent)
        #expect(await api.delete(request("DELETE", id: "1")).status == .notFound)
        let missing = await api.read(request("GET", id: "1"))
        #expect(missing.status == .notFound)
        #expect(text(missing) == #"{"error": "note not found"}"#)
    }

    @Test(arguments: ["0", "-1", "abc", "1.0", "99999999999999999999"])
    func nonPositiveOrNonNumericIdsNameNoNote(_ id: String) async {
        #expect(await api.read(request("GET", id: id)).status == .notFound)
    }

    @Test func listsWithLimits() async {
        for index in 0..<3 { _ = await post("{\"text\": \"n\(index)\"}") }
        var request = Request(method: "GET", target: "/api/notes?limit=2", path: "/api/notes", query: "limit=2")
        let response = await api.list(request)
        #expect(response.status == .ok)
        #expect(text(response).hasPrefix(#"{"notes": [{"id": 3, "text": "n2""#))
        #expect(text(response).contains(#""id": 2"#))
        #expect(!text(response).contains(#""id": 1"#))
        for bad in ["0", "101", "x", "-5"] {
            request.query = "limit=\(bad)"
            #expect(await api.list(request).status == .badRequest)
        }
    }

    /// The whole body, whether it came in one piece or streamed; each piece checked against its bound.
    private func wholeBody(_ response: Response) async throws -> String {
        guard let stream = response.stream else { return text(response) }
        var body: [UInt8] = []
        while let piece = try await stream.nextPiece() {
            #expect(piece.count <= stream.maxPieceBytes)
            body += piece
        }
        return String(decoding: body, as: UTF8.self)
    }

    private func list(limit: Int) async -> Response {
        await api.list(Request(method: "GET", target: "/api/notes", path: "/api/notes", query: "limit=\(limit)"))
    }

    /// Long lists are read a page at a time as the client takes them; the client sees the same bytes as if
    /// the list had been read and written whole, at every limit around the page size.
    @Test func aListReadInPagesIsTheSameAsTheWholeList() async throws {
        for index in 0..<12 { _ = await post("{\"text\": \"n\(index)\"}") }
        for limit in [1, 4, 5, 6, 10, 11, 12, 13, 100] {
            let response = await list(limit: limit)
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"] == "application/json")
            #expect((response.stream != nil) == (limit > NoteListBody.pageSize))
            let whole = try await api.repository.list(limit: limit)
            #expect(try await wholeBody(response) == JSON.object([("notes", .array(whole.map(\.json)))]).text)
        }
    }

    /// A hundred notes of 1,000 control characters are 600 KB of JSON: no piece of it exceeds the bound the
    /// server reserves for one.
    @Test func theHeaviestListComesInBoundedPieces() async throws {
        let heavy = String(repeating: "\\u0001", count: NotesAPI.maxTextScalars)
        for _ in 0..<NotesAPI.maxLimit { #expect(await post("{\"text\": \"\(heavy)\"}").status == .created) }
        let body = try await wholeBody(await list(limit: NotesAPI.maxLimit))
        #expect(body.utf8.count > 600_000)
        #expect(body.hasSuffix("]}"))
    }

    /// A database that fails after the head was sent cannot be answered with a status: the stream fails, so
    /// that the server cuts the body short, and the failure is logged.
    @Test func aFailureAfterTheFirstPageEndsTheStreamWithAnError() async throws {
        let database = FailingAfter(queries: 1, SQLiteDatabase(path: ":memory:"))
        let repository = NoteRepository(database: database)
        try await repository.prepareSchema()
        for index in 0..<12 { _ = try await repository.create(text: "n\(index)", createdAt: "t") }
        database.armed()
        let response = await NotesAPI(repository: repository, logger: Logger(level: .critical)).list(
            Request(method: "GET", target: "/api/notes", path: "/api/notes", query: "limit=12"))
        let stream = try #require(response.stream)
        #expect(try await stream.nextPiece() != nil)
        await #expect(throws: StoreError.self) { try await stream.nextPiece() }
    }

    @Test func databaseFailuresAre503WithoutDetails() async {
        let broken = NotesAPI(
            repository: NoteRepository(database: SQLiteDatabase(path: "/nonexistent-dir/notes.db")),
            logger: Logger(level: .critical))
        let response = await broken.list(Request(method: "GET", target: "/api/notes", path: "/api/notes"))
        #expect(response.status == .serviceUnavailable)
        #expect(text(response) == #"{"error": "database unavailable"}"#)
    }
}

/// Passes queries through until armed, then lets `queries` more succeed and fails the rest as unavailable.
private final class FailingAfter: SQLDatabase {
    private let inner: SQLiteDatabase
    private let allowed: Locked<Int?> = Locked(nil)
    private let afterArming: Int

    init(queries: Int, _ inner: SQLiteDatabase) {
        self.inner = inner
        afterArming = queries
    }

    func armed() { allowed.withLock { $0 = afterArming } }

    var createNotesTable: String { inner.createNotesTable }

    func query(_ sql: String, _ parameters: [SQLValue], deadline: ContinuousClock.Instant) async throws(StoreError)
        -> [[SQLValue]]
    {
        let failing = allowed.withLock { left -> Bool in
            guard let count = left else { return false }
            left = count - 1
            return count <= 0
        }
        if failing { throw StoreError(.unavailable, cause: "test", "the database went away") }
        return try await inner.query(sql, parameters, deadline: deadline)
    }

    func monitorQuery(_ sql: String, deadline: ContinuousClock.Instant) async throws(StoreError) {
        try await inner.monitorQuery(sql, deadline: deadline)
    }
}
