import Foundation
import Glibc
import HTTPServer
import PostgresClient
import TestSupport
import Testing

@testable import AppCore

/// The databases the notes suite runs against. PostgreSQL needs TEST_DATABASE_URL
/// (`eval "$(Tests/postgres/test-cluster.sh start)"`); without it those cases are skipped, visibly,
/// unless REQUIRE_POSTGRES_TESTS=1 (as in CI), which makes a missing database a failure.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteMemory
    case sqliteFile
    /// TEST_DATABASE_URL: sslmode left at its default, prefer (encrypted when the server offers TLS).
    case postgres
    /// TEST_DATABASE_URL_TLS: sslmode=verify-full with the test cluster's own CA.
    case postgresVerifiedTLS

    var testDescription: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"]
    static let verifiedTLSURL = ProcessInfo.processInfo.environment["TEST_DATABASE_URL_TLS"]
    static let postgresRequired = ProcessInfo.processInfo.environment["REQUIRE_POSTGRES_TESTS"] == "1"

    /// Worked out once, so the skip is announced once.
    static let available: [Backend] = {
        if (postgresURL == nil || verifiedTLSURL == nil) && !postgresRequired {
            print(
                "SKIPPED: PostgreSQL notes tests (set TEST_DATABASE_URL and TEST_DATABASE_URL_TLS; see Tests/postgres/test-cluster.sh)"
            )
            return [.sqliteMemory, .sqliteFile]
        }
        return allCases
    }()

    /// A fresh database of this kind (the PostgreSQL one is shared, so tests only look at their own notes).
    func makeDatabase() throws -> any SQLDatabase {
        switch self {
        case .sqliteMemory:
            return SQLiteDatabase(path: ":memory:")
        case .sqliteFile:
            return SQLiteDatabase(path: Self.temporaryFile())
        case .postgres, .postgresVerifiedTLS:
            let url = try #require(
                self == .postgres ? Self.postgresURL : Self.verifiedTLSURL, "TEST_DATABASE_URL(_TLS) is not set")
            // Under the sanitizers, a SCRAM handshake (4096 rounds of HMAC-SHA-256) for each of several
            // connections opened at once can take longer than the default 5 s to connect.
            let patient = url + (url.contains("?") ? "&" : "?") + "connect_timeout=60"
            return try postgresDatabase(patient)
        }
    }

    static func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID().uuidString).db").path
    }
}

@Suite(.serialized, .blockingIO) struct NoteRepositoryTests {
    /// A generous deadline: these tests are about what is stored, and under the sanitizers a pool of four
    /// connections serving a hundred writers takes longer than the default 5 s. Deadlines have their own tests.
    private func repository(_ backend: Backend) async throws -> NoteRepository {
        let repository = NoteRepository(database: try backend.makeDatabase(), timeout: .seconds(60))
        try await repository.prepareSchema()
        return repository
    }

    @Test(arguments: Backend.available)
    func createsReadsListsAndDeletes(_ backend: Backend) async throws {
        let notes = try await repository(backend)
        let created = try await notes.create(text: "first", createdAt: "2026-11-26T10:00:00.000Z")
        #expect(created.text == "first")
        #expect(created.createdAt == "2026-11-26T10:00:00.000Z")
        #expect(try await notes.find(id: created.id) == created)
        #expect(try await notes.list(limit: 100).contains(created))
        #expect(try await notes.delete(id: created.id))
        #expect(try await notes.find(id: created.id) == nil)
        #expect(try await !notes.delete(id: created.id))
    }

    @Test(arguments: Backend.available)
    func listsNewestFirstWithinTheLimit(_ backend: Backend) async throws {
        let notes = try await repository(backend)
        var ids: [Int64] = []
        for index in 0..<5 {
            ids.append(try await notes.create(text: "note \(index)", createdAt: Timestamp.now()).id)
        }
        let listed = try await notes.list(limit: 3).map(\.id)
        #expect(listed == Array(ids.reversed().prefix(3)))
    }

    @Test(arguments: Backend.available)
    func roundTripsQuotesUnicodeAndSQLByteForByte(_ backend: Backend) async throws {
        let notes = try await repository(backend)
        let texts = [
            "it's a 'quote' and a \"double\" one", "Robert'); DROP TABLE notes;--", "$1 $2 ? :name @p",
            "Jürgen, Ångström, 日本語, 🎉👩‍👩‍👧", "e\u{301} (combining) and \u{FEFF}", "back\\slash\nnew line\ttab",
            String(repeating: "x", count: 1000),
        ]
        for text in texts {
            let created = try await notes.create(text: text, createdAt: Timestamp.now())
            let found = try await notes.find(id: created.id)
            #expect(found.map { Array($0.text.utf8) } == Array(text.utf8))
        }
        #expect(try await notes.list(limit: 1).count == 1)
    }

    @Test(arguments: Backend.available)
    func keepsEveryOneOfAHundredConcurrentWrites(_ backend: Backend) async throws {
        let notes = try await repository(backend)
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<100 {
                group.addTask { try await notes.create(text: "concurrent \(index)", createdAt: Timestamp.now()).id }
            }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(ids.count == 100)
        let listed = Set(try await notes.list(limit: 100).map(\.id))
        #expect(listed == ids)
    }

    @Test(arguments: Backend.available.filter { $0 != .sqliteMemory })
    func notesOutliveTheConnection(_ backend: Backend) async throws {
        let database = try backend.makeDatabase()
        let path = (database as? SQLiteDatabase)?.path
        let first = NoteRepository(database: database)
        try await first.prepareSchema()
        let created = try await first.create(text: "durable", createdAt: Timestamp.now())
        let reopened = NoteRepository(database: try path.map { SQLiteDatabase(path: $0) } ?? backend.makeDatabase())
        #expect(try await reopened.find(id: created.id) == created)
    }

    @Test(arguments: Backend.available)
    func healthPingsTheDatabase(_ backend: Backend) async throws {
        let notes = try await repository(backend)
        try await notes.ping(timeout: .seconds(1))
        let monitor = DatabaseMonitor(repository: notes, logger: Logger(level: .critical))
        let task = Task { await monitor.run() }
        defer { task.cancel() }
        try await waitUntil { monitor.check().isHealthy }
        #expect(monitor.check().details.first?.0 == "latency_ms")
    }
}

@Suite(.blockingIO) struct DatabaseOutageTests {
    @Test func unreachableDatabaseIsReportedDownWithoutThePassword() async throws {
        // Nothing listens on port 1.
        let config = try AppConfig.load(from: [
            "DATABASE_URL": "postgresql://app:s3cret-pw@127.0.0.1:1/app?connect_timeout=1"
        ])
        let monitor = DatabaseMonitor(
            repository: NoteRepository(database: config.database.makeDatabase()),
            logger: Logger(level: .critical))
        let task = Task { await monitor.run() }
        defer { task.cancel() }
        // A fresh answer: on a loaded machine the monitor may also be late, and say "no recent check".
        var result = monitor.check()
        try await waitUntil {
            result = monitor.check()
            return JSON.object(result.details).text.contains("refused")
        }
        #expect(!result.isHealthy)
        let error = JSON.object(result.details).text
        #expect(error.contains("refused"))
        // Who and where the database is stays in the log: /health is unauthenticated.
        #expect(!error.contains("127.0.0.1"))
        #expect(!error.contains("app"))
        #expect(!error.contains("s3cret-pw"))
        let response = HealthMonitor(checks: [monitor]).report()
        #expect(response.status == .serviceUnavailable)
        #expect(
            String(decoding: response.body, as: UTF8.self).contains("\"database\": {\"status\": \"down\", \"error\":"))
    }

    /// A bind-mounted /data owned by the host user used to fail with a bare "unable to open database file".
    @Test func anUnwritableFolderNamesTheUserAndTheFix() async {
        let database = SQLiteDatabase(path: "/proc/notes.db")
        do {
            _ = try await database.query("SELECT 1", [], deadline: .now + .seconds(5))
            Issue.record("opened a database in /proc")
        } catch {
            #expect(error.message.contains("writable by uid \(getuid())"))
            #expect(error.message.contains("named volume"))
        }
    }

    @Test func unopenableSQLiteFileIsReportedDown() async throws {
        let monitor = DatabaseMonitor(
            repository: NoteRepository(database: SQLiteDatabase(path: "/nonexistent-dir/x/notes.db")),
            logger: Logger(level: .critical))
        let task = Task { await monitor.run() }
        defer { task.cancel() }
        try await waitUntil { monitor.check().details.first.map { $0.1 != .string("not connected yet") } ?? false }
        #expect(!monitor.check().isHealthy)
    }
}

/// The database a `postgresql://` URL names, configured as the app would configure it.
func postgresDatabase(_ url: String) throws -> PostgresDatabase {
    guard case .postgres(let postgres) = try AppConfig.load(from: ["DATABASE_URL": url]).database else {
        throw NotPostgres(description: "not a PostgreSQL URL: \(url)")
    }
    return PostgresDatabase(configuration: postgres)
}

private struct NotPostgres: Error, CustomStringConvertible {
    let description: String
}

/// What a stopped PostgreSQL does to the health check and to requests.
@Suite(.blockingIO) struct FrozenDatabaseTests {
    /// A socket that accepts and never answers: how a SIGSTOPped PostgreSQL looks from here.
    private static func silentListener() throws -> (fd: Int32, url: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        listen(fd, 64)
        return (fd, "postgresql://u:pw@127.0.0.1:\(UInt16(bigEndian: address.sin_port))/db?connect_timeout=30")
    }

    /// The ping used to queue behind requests for a pooled connection, with no deadline on the wait.
    @Test func healthCheckNeverWaitsBehindRequests() async throws {
        let (fd, url) = try Self.silentListener()
        defer { close(fd) }
        let notes = NoteRepository(database: try postgresDatabase(url), timeout: .seconds(10))
        let writers = (0..<16).map { index in
            Task { try? await notes.create(text: "stuck \(index)", createdAt: Timestamp.now()) }
        }
        defer { writers.forEach { $0.cancel() } }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await notes.ping(timeout: .milliseconds(500)) }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func requestsEndAtTheDatabaseTimeoutWith503() async throws {
        let (fd, url) = try Self.silentListener()
        defer { close(fd) }
        let api = NotesAPI(
            repository: NoteRepository(database: try postgresDatabase(url), timeout: .milliseconds(500)),
            logger: Logger(level: .critical))
        let started = ContinuousClock.now
        let responses = await withTaskGroup(of: Response.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    var request = Request(method: "GET", target: "/api/notes", path: "/api/notes")
                    request.id = "t"
                    return await api.list(request)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(responses.allSatisfy { $0.status == .serviceUnavailable })
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func anAnswerOlderThanThreeSecondsIsNeverHealthy() async throws {
        let monitor = DatabaseMonitor(
            repository: NoteRepository(database: SQLiteDatabase(path: ":memory:")), logger: Logger(level: .critical))
        let task = Task { await monitor.run() }
        try await waitUntil { monitor.check().isHealthy }
        task.cancel()
        await task.value
        // The monitor has stopped: its last answer was recorded before `seen`, however slow the machine, so it is
        // older than 3 s a little more than 3 s later.
        let seen = MonotonicClock.now()
        #expect(monitor.check(now: seen).isHealthy)
        let stale = monitor.check(now: seen + DatabaseMonitor.maxResultAge.nanoseconds + 1)
        #expect(!stale.isHealthy)
        #expect(stale.details.first?.1 == .string("no recent check"))
    }

    @Test func theRevisionMovesWithEveryCheckAndWhenTheAnswerGoesStale() async throws {
        let monitor = DatabaseMonitor(
            repository: NoteRepository(database: SQLiteDatabase(path: ":memory:")), logger: Logger(level: .critical))
        let before = monitor.revision
        let task = Task { await monitor.run() }
        try await waitUntil { monitor.check().isHealthy }
        let seen = MonotonicClock.now()
        let afterFirstCheck = monitor.revision(now: seen)
        #expect(afterFirstCheck != before)
        try await waitUntil { monitor.revision(now: seen) != afterFirstCheck }
        task.cancel()
        await task.value
        // As above: after the monitor stopped, its last answer goes stale once, at most 3 s from now.
        let stopped = MonotonicClock.now()
        let settled = monitor.revision(now: stopped)
        let stale = monitor.revision(now: stopped + DatabaseMonitor.maxResultAge.nanoseconds + 1)
        #expect(stale != settled)
        #expect(stale == monitor.revision(now: stopped + DatabaseMonitor.maxResultAge.nanoseconds + 1_000_000_000))
    }

    @Test(arguments: [
        ("57P03", "starting up"), ("57P01", "shutting down"), ("08006", "unavailable"),
        ("53300", "too many connections"),
    ])
    func outageStatesAreUnavailable(_ sqlState: String, _ cause: String) {
        let error = PostgresDatabase.storeError(PostgresError(.server(sqlState: sqlState), "the server says no"))
        #expect(error.kind == .unavailable)
        #expect(error.cause == cause)
        #expect(PostgresDatabase.storeError(PostgresError(.server(sqlState: "42P01"), "no table")).kind == .failed)
    }
}
