import Dispatch
import Glibc
import Locking
import TestSupport
import Testing

@testable import DeadlineSocket

/// A DNS server that never answers held every connection attempt for as long as the resolver tried (10 s
/// and more), whatever the query's deadline.
@Suite(.serialized) struct HostLookupTests {
    /// A resolver that answers only once `release` is signalled, counting the lookups it was asked for.
    final class StuckResolver: Sendable {
        let release = DispatchSemaphore(value: 0)
        let calls = Locked(0)

        func resolve(_ host: String, _ service: String) -> HostLookup.Outcome {
            calls.withLock { $0 += 1 }
            release.wait()
            return .failed(EAI_AGAIN)
        }
    }

    @Test func aLookupThatNeverAnswersEndsAtTheDeadline() async throws {
        let resolver = StuckResolver()
        let lookup = HostLookup(maxOutstanding: 4, resolver: resolver.resolve)
        let started = ContinuousClock.now
        #expect {
            try lookup.resolve("db.example", port: 5432, deadline: Deadline(after: .milliseconds(200)))
        } throws: { error in
            (error as? SocketFailure)?.kind == .timeout && "\(error)" == "timed out resolving db.example"
        }
        // Far below "never", however busy the machine.
        #expect(ContinuousClock.now - started < .seconds(10))
        resolver.release.signal()
    }

    @Test func lookupsBeyondTheLimitFailAtOnceAndTheAbandonedOnesStillFinish() async throws {
        let resolver = StuckResolver()
        let lookup = HostLookup(maxOutstanding: 2, resolver: resolver.resolve)
        for _ in 0..<2 {
            _ = try? lookup.resolve("db.example", port: 5432, deadline: Deadline(after: .milliseconds(50)))
        }
        #expect(lookup.outstandingCount == 2)
        #expect {
            try lookup.resolve("db.example", port: 5432, deadline: Deadline(after: .seconds(60)))
        } throws: { error in
            "\(error)" == "cannot resolve db.example: 2 lookups are still waiting for the resolver"
        }
        #expect(resolver.calls.withLock { $0 } == 2)
        resolver.release.signal()
        resolver.release.signal()
        try await waitUntil { lookup.outstandingCount == 0 }
        #expect(lookup.outstandingCount == 0)
    }

    @Test(arguments: ["127.0.0.1", "::1", "10.1.2.3"])
    func anAddressLiteralNeverWaitsForTheResolver(_ host: String) throws {
        let resolver = StuckResolver()
        let lookup = HostLookup(maxOutstanding: 1, resolver: resolver.resolve)
        let addresses = try lookup.resolve(host, port: 5432, deadline: Deadline(after: .seconds(60)))
        #expect(addresses.first.pointee.ai_socktype == Int32(SOCK_STREAM.rawValue))
        #expect(resolver.calls.withLock { $0 } == 0)
    }

    @Test func aNameThatDoesNotExistIsUnresolvedAndNamed() {
        let lookup = HostLookup(maxOutstanding: 1) { _, _ in .failed(EAI_NONAME) }
        #expect {
            try lookup.resolve("nowhere.invalid", port: 5432, deadline: Deadline(after: .seconds(60)))
        } throws: { error in
            (error as? SocketFailure)?.kind == .unresolved
                && "\(error)" == "cannot resolve nowhere.invalid: Name or service not known"
        }
    }
}
