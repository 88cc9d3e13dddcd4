import CSQLite
import Dispatch
import Glibc

/// The system's SQLite, opened on first use. Every call runs on one serial queue, so the single handle is
/// never used by two threads at once (and `:memory:` keeps one database for the life of the process).
///
/// Each statement ends by its deadline: a lock held by another process is waited out only until then, and a
/// statement still running then is interrupted, so nothing queued behind it (the health check's ping) waits.
///
/// `@unchecked Sendable`: `handle` and `deadline` are read and written only inside `queue.async` blocks.
public final class SQLiteDatabase: SQLDatabase, @unchecked Sendable {
    public let path: String
    private let queue = DispatchQueue(label: "sqlite")
    private var handle: OpaquePointer?
    /// The running statement's deadline, for SQLite's busy and progress handlers.
    private var deadline = ContinuousClock.now

    public let createNotesTable = """
        CREATE TABLE IF NOT EXISTS notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """

    /// `path` is `:memory:` or a file path.
    public init(path: String) {
        self.path = path
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// A statement that has not finished by `deadline` is answered `.unavailable` then, and interrupted.
    public func query(_ sql: String, _ parameters: [SQLValue], deadline: ContinuousClock.Instant)
        async throws(StoreError) -> [[SQLValue]]
    {
        let timedOut = Self.timedOut("no answer")
        let result: Result<[[SQLValue]], StoreError> = await firstAnswer(
            by: deadline, otherwise: .failure(timedOut)
        ) { answer in
            queue.async { answer(Result { () throws(StoreError) in try self.run(sql, parameters, by: deadline) }) }
        }
        return try result.get()
    }

    /// The same handle as requests: a `:memory:` database exists only on the connection that made it.
    public func monitorQuery(_ sql: String, deadline: ContinuousClock.Instant) async throws(StoreError) {
        _ = try await query(sql, [], deadline: deadline)
    }

    /// The usual cause in a container: a host folder bind-mounted over /data keeps its host owner.
    static var cantOpenHint: String {
        " (the folder must exist and be writable by uid \(getuid()); a bind-mounted host folder keeps its host"
            + " owner: chown it to that uid, or use a named volume)"
    }

    private func open() throws(StoreError) -> OpaquePointer {
        if let handle { return handle }
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(opened)
            throw StoreError(
                .unavailable, cause: "cannot open",
                "cannot open SQLite database \(path): \(message)\(status == SQLITE_CANTOPEN ? Self.cantOpenHint : "")")
        }
        // WAL lets readers and the writer proceed together; FULL sync makes an acknowledged write durable.
        let pragmas = path == ":memory:" ? "" : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
        guard sqlite3_exec(opened, pragmas, nil, nil, nil) == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(opened))
            sqlite3_close_v2(opened)
            throw StoreError(.unavailable, cause: "cannot open", "cannot use SQLite database \(path): \(message)")
        }
        watchDeadlines(opened)
        handle = opened
        return opened
    }

    /// Another process's write lock is waited out in 1 ms steps until the deadline (instead of a fixed busy
    /// timeout), and every thousand virtual-machine steps a statement past its deadline is interrupted.
    private func watchDeadlines(_ database: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_busy_handler(
            database,
            { context, _ in
                guard let context, Unmanaged<SQLiteDatabase>.fromOpaque(context).takeUnretainedValue().isInTime
                else { return 0 }
                usleep(1000)
                return 1
            }, context)
        sqlite3_progress_handler(
            database, 1000,
            { context in
                guard let context else { return 0 }
                return Unmanaged<SQLiteDatabase>.fromOpaque(context).takeUnretainedValue().isInTime ? 0 : 1
            }, context)
    }

    /// Called on the queue only, from SQLite's handlers.
    private var isInTime: Bool { ContinuousClock.now < deadline }

    private static func timedOut(_ what: String) -> StoreError {
        StoreError(.unavailable, cause: "timed out", "SQLite: \(what) by the deadline")
    }

    private func run(_ sql: String, _ parameters: [SQLValue], by deadline: ContinuousClock.Instant)
        throws(StoreError) -> [[SQLValue]]
    {
        // Queued behind slower statements until past its deadline: its caller has been answered already.
        guard ContinuousClock.now < deadline else { throw Self.timedOut("not started") }
        self.deadline = deadline
        let database = try open()
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(database, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure(database)
        }
        defer { sqlite3_finalize(statement) }
        for (index, parameter) in parameters.enumerated() {
            try bind(parameter, at: Int32(index + 1), in: statement, database)
        }
        var rows: [[SQLValue]] = []
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                rows.append((0..<sqlite3_column_count(statement)).map { column(statement, $0) })
            case SQLITE_DONE:
                return rows
            default:
                throw failure(database)
            }
        }
    }

    /// Text is bound by length, so every byte round-trips; SQLite copies it (SQLITE_TRANSIENT).
    private func bind(_ value: SQLValue, at index: Int32, in statement: OpaquePointer, _ database: OpaquePointer)
        throws(StoreError)
    {
        let status: Int32
        switch value {
        case .integer(let number):
            status = sqlite3_bind_int64(statement, index, number)
        case .text(let text):
            // An empty array has no base address; a terminating NUL gives every text one.
            let bytes = Array(text.utf8) + [0]
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            status = bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    sqlite3_bind_text(statement, index, $0.baseAddress, Int32(buffer.count - 1), transient)
                }
            }
        case .null:
            status = sqlite3_bind_null(statement, index)
        }
        guard status == SQLITE_OK else { throw failure(database) }
    }

    private func column(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_NULL:
            return .null
        default:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard let text = sqlite3_column_text(statement, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        }
    }

    private func failure(_ database: OpaquePointer) -> StoreError {
        let code = sqlite3_errcode(database)
        if code == SQLITE_INTERRUPT || (code == SQLITE_BUSY && !isInTime) { return Self.timedOut("not finished") }
        let message = "SQLite: \(String(cString: sqlite3_errmsg(database)))"
        let busy = code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_CANTOPEN || code == SQLITE_IOERR
        return busy
            ? StoreError(.unavailable, cause: "busy or unreadable", message)
            : StoreError(.failed, cause: "query failed", message)
    }
}
