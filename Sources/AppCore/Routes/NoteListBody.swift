import HTTPServer
import Locking

/// The notes list as a streamed body, read from the database a few notes at a time as the client takes them:
/// a hundred notes of control characters (600 KB of JSON) never sit whole in memory for one connection, and a
/// client that stops reading holds one page. The bytes are those `JSON` writes for the whole list.
final class NoteListBody: Sendable {
    /// Five notes of 1,000 scalars, each escaped to at most 6 bytes, with their other fields: under
    /// `maxPieceBytes`, which is what the server's per-connection allowance guarantees to every connection.
    static let pageSize = 5
    static let maxPieceBytes = 32 * 1024

    private struct Progress {
        /// The page to send next, already read (the first, read before the head was sent): nil once sent.
        var readPage: [Note]?
        var remaining: Int
        var lastID: Int64?
        var closed = false
    }

    private let repository: NoteRepository
    private let progress: Locked<Progress>
    private let failed: @Sendable (StoreError) -> Void

    /// `firstPage` is already read (a failure there can still be answered with a status); `limit` counts it.
    init(
        repository: NoteRepository, firstPage: [Note], limit: Int, failed: @escaping @Sendable (StoreError) -> Void
    ) {
        self.repository = repository
        self.failed = failed
        progress = Locked(Progress(readPage: firstPage, remaining: limit))
    }

    var stream: BodyStream {
        BodyStream(maxPieceBytes: Self.maxPieceBytes) { try await self.nextPiece() }
    }

    /// Pieces are asked for one at a time, so the lock only guards the state between them.
    private func nextPiece() async throws -> [UInt8]? {
        let (readPage, before, remaining, closed) = progress.withLock { state in
            (state.readPage, state.lastID, state.remaining, state.closed)
        }
        if closed { return nil }
        let count = min(Self.pageSize, remaining)
        let notes: [Note]
        if let readPage {
            notes = readPage
        } else {
            do {
                notes = try await repository.list(limit: count, before: before)
            } catch {
                failed(error)
                throw error
            }
        }
        // A short page is the last, as is one that reaches the limit.
        let last = notes.count < count || count == remaining
        progress.withLock { state in
            state.readPage = nil
            state.remaining -= notes.count
            state.lastID = notes.last?.id ?? state.lastID
            state.closed = last
        }
        // Only the first page is read before the head was sent.
        var text = readPage == nil ? (notes.isEmpty ? "" : ", ") : "{\"notes\": ["
        text += notes.map(\.json.text).joined(separator: ", ")
        if last { text += "]}" }
        return Array(text.utf8)
    }
}
