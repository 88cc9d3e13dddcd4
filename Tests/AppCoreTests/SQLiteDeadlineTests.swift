import Glibc
import TestSupport
import Testing

@testable import AppCore

/// Another process holding SQLite's write lock: a statement waits for it only until its deadline, and
/// nothing queued behind it (the health check's ping) waits longer.
@Suite(.blockingIO) struct SQLiteDeadlineTests {
    static func temporaryPath() -> String {
        "/tmp/sqlite-deadline-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).db"
    }

    @Test func aLockedDatabaseEndsTheWriteAtItsDeadlineAndThePingStillAnswers() async throws {
        let path = Self.temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let holder = SQLiteDatabase(path: path)
        let app = SQLiteDatabase(path: path)
        let far = ContinuousClock.now + .seconds(30)
        _ = try await app.query("CREATE TABLE t (x INTEGER)", [], deadline: far)
        _ = try await holder.query("BEGIN IMMEDIATE", [], deadline: far)

        do {
            _ = try await app.query("INSERT INTO t VALUES (1)", [], deadline: .now + .milliseconds(300))
            Issue.record("wrote through another connection's write lock")
        } catch {
            #expect(error.kind == .unavailable)
            #expect(error.cause == "timed out")
        }
        // Used to wait behind the insert's 5 s busy timeout, past its own 1 s deadline.
        try await app.monitorQuery("SELECT 1", deadline: .now + .seconds(1))

        _ = try await holder.query("COMMIT", [], deadline: far)
        _ = try await app.query("INSERT INTO t VALUES (2)", [], deadline: far)
        #expect(try await app.query("SELECT count(*) FROM t", [], deadline: far) == [[.integer(1)]])
    }

    @Test func aRunawayStatementIsInterruptedAtItsDeadline() async throws {
        let database = SQLiteDatabase(path: ":memory:")
        let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        do {
            _ = try await database.query(endless, [], deadline: .now + .milliseconds(200))
            Issue.record("an endless query finished")
        } catch {
            #expect(error.cause == "timed out")
        }
        #expect(try await database.query("SELECT 41 + 1", [], deadline: .now + .seconds(5)) == [[.integer(42)]])
    }
}
