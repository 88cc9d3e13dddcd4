import HTTPServer

/// `/api/notes`: list, create, read and delete short text notes in the configured database.
public struct NotesAPI: Sendable {
    let repository: NoteRepository
    let logger: Logger

    /// Counted in Unicode scalars, not `Character`s: one grapheme cluster can hold any number of combining
    /// marks, so only scalars bound what a note costs (at most 4 bytes each in UTF-8).
    static let maxTextScalars = 1000
    static let defaultLimit = 20
    static let maxLimit = 100

    public init(repository: NoteRepository, logger: Logger) {
        self.repository = repository
        self.logger = logger
    }

    public func register(on router: inout Router) {
        router.add("GET", "/api/notes", .async(list))
        router.add("POST", "/api/notes", .async(create))
        router.add("GET", "/api/notes/{id}", .async(read))
        router.add("DELETE", "/api/notes/{id}", .async(delete))
    }

    @Sendable func list(_ request: Request) async -> Response {
        var limit = Self.defaultLimit
        if let text = request.queryValue("limit") {
            guard let value = wholeNumber(text, in: 1...Self.maxLimit) else {
                return .notAWholeNumber("limit", from: 1...Self.maxLimit)
            }
            limit = value
        }
        return await respond(request) { () async throws(StoreError) -> Response in
            let firstPage = try await repository.list(limit: min(limit, NoteListBody.pageSize))
            if firstPage.count < NoteListBody.pageSize || limit == firstPage.count {
                return .json(.ok, .object([("notes", .array(firstPage.map(\.json)))]))
            }
            let logger = self.logger
            let requestID = request.id
            let body = NoteListBody(repository: repository, firstPage: firstPage, limit: limit) { error in
                logger.error("notes list cut short", [("request_id", requestID), ("error", error.message)])
            }
            return .streamed(.ok, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body.stream)
        }
    }

    @Sendable func create(_ request: Request) async -> Response {
        guard request.declaresJSONBody else {
            return .error(.unsupportedMediaType, "Content-Type must be application/json")
        }
        let text: String
        switch Self.noteText(request.body) {
        case .success(let value): text = value
        case .failure(let problem): return .error(.badRequest, problem.message)
        }
        return await respond(request) { () async throws(StoreError) -> Response in
            let note = try await repository.create(text: text, createdAt: Timestamp.now())
            let headers = HTTPHeaders([("Location", "/api/notes/\(note.id)")])
            return .json(.created, note.json, headers: headers)
        }
    }

    @Sendable func read(_ request: Request) async -> Response {
        guard let id = Self.noteID(request) else { return Self.notFound }
        return await respond(request) { () async throws(StoreError) -> Response in
            guard let note = try await repository.find(id: id) else { return Self.notFound }
            return .json(.ok, note.json)
        }
    }

    @Sendable func delete(_ request: Request) async -> Response {
        guard let id = Self.noteID(request) else { return Self.notFound }
        return await respond(request) { () async throws(StoreError) -> Response in
            try await repository.delete(id: id) ? Response(status: .noContent) : Self.notFound
        }
    }

    static let notFound = Response.error(.notFound, "note not found")

    /// Maps storage failures to 503 (try again) or 500; the details go to the log, not to the client.
    private func respond(_ request: Request, _ work: () async throws(StoreError) -> Response) async -> Response {
        do {
            return try await work()
        } catch {
            logger.error("notes request failed", [("request_id", request.id), ("error", error.message)])
            return error.kind == .unavailable
                ? .error(.serviceUnavailable, "database unavailable") : .error(.internalServerError, "database error")
        }
    }

    struct InvalidNote: Error {
        let message: String
    }

    /// `{"text": "..."}` with 1 to 1000 Unicode scalars and no NUL (PostgreSQL cannot store one).
    static func noteText(_ body: [UInt8]) -> Result<String, InvalidNote> {
        let json: JSON
        do {
            json = try JSONParser.parse(body)
        } catch {
            return .failure(InvalidNote(message: "invalid JSON: \(error.message)"))
        }
        guard case .object = json else {
            return .failure(InvalidNote(message: "the body must be a JSON object like {\"text\": \"...\"}"))
        }
        guard let field = json["text"] else {
            return .failure(InvalidNote(message: "\"text\" is missing: send {\"text\": \"...\"}"))
        }
        guard case .string(let text) = field else {
            return .failure(InvalidNote(message: "\"text\" must be a string"))
        }
        guard (1...maxTextScalars).contains(text.unicodeScalars.count) else {
            return .failure(
                InvalidNote(message: "\"text\" must be 1 to \(maxTextScalars) Unicode characters (code points)"))
        }
        guard !text.unicodeScalars.contains("\u{0}") else {
            return .failure(InvalidNote(message: "\"text\" must not contain NUL characters"))
        }
        return .success(text)
    }

    /// A positive decimal id; anything else names no note.
    static func noteID(_ request: Request) -> Int64? {
        guard let text = request.pathParameters["id"], text.count <= 18, text.allSatisfy(\.isASCIIDigit),
            let id = Int64(text), id > 0
        else { return nil }
        return id
    }
}
