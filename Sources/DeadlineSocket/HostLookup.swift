import Dispatch
import Glibc
import Locking

/// Name resolution that ends by a deadline. `getaddrinfo` blocks for as long as the resolver likes (a DNS
/// server that never answers costs several seconds a try, and several tries), and no deadline reaches inside
/// it. So a name is looked up on a thread of its own while the caller waits until its deadline; a lookup the
/// caller gave up on finishes in the background and frees its own answer. At most `maxOutstanding` run at
/// once: a black-holed DNS costs that many threads, not one per query, and the queries beyond them fail at once.
/// An address literal is never sent to a thread: it resolves without asking anyone.
public final class HostLookup: Sendable {
    public enum Outcome: Sendable {
        case found(AddressList)
        /// `getaddrinfo`'s status.
        case failed(Int32)
    }

    public static let shared = HostLookup(maxOutstanding: 8) { host, service in
        HostLookup.getaddrinfo(host, service, flags: 0)
    }

    let maxOutstanding: Int
    private let resolver: @Sendable (_ host: String, _ service: String) -> Outcome
    private let outstanding = Locked(0)

    /// `resolver` does the blocking lookup; tests pass one that blocks on demand.
    init(maxOutstanding: Int, resolver: @escaping @Sendable (_ host: String, _ service: String) -> Outcome) {
        self.maxOutstanding = maxOutstanding
        self.resolver = resolver
    }

    public func resolve(_ host: String, port: Int, deadline: Deadline) throws(SocketFailure) -> AddressList {
        let service = String(port)
        if case .found(let literal) = Self.getaddrinfo(host, service, flags: AI_NUMERICHOST) { return literal }
        let admitted = outstanding.withLock { count in
            guard count < maxOutstanding else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw SocketFailure(
                .timeout, "cannot resolve \(host): \(maxOutstanding) lookups are still waiting for the resolver")
        }
        let outcome = Locked<Outcome?>(nil)
        let finished = DispatchSemaphore(value: 0)
        // A serial queue of its own: Dispatch gives it a thread even when its shared pool is busy.
        DispatchQueue(label: "host-lookup").async { [resolver, outstanding] in
            let result = resolver(host, service)
            outcome.withLock { $0 = result }
            outstanding.withLock { $0 -= 1 }
            finished.signal()
        }
        guard finished.wait(timeout: deadline.dispatchTime) == .success, let result = outcome.withLock({ $0 }) else {
            throw SocketFailure(.timeout, "timed out resolving \(host)")
        }
        switch result {
        case .found(let addresses): return addresses
        case .failed(let status):
            throw SocketFailure(.unresolved, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
    }

    /// Lookups still running, the abandoned ones included.
    var outstandingCount: Int { outstanding.withLock { $0 } }

    static func getaddrinfo(_ host: String, _ service: String, flags: Int32) -> Outcome {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = flags
        var results: UnsafeMutablePointer<addrinfo>?
        let status = Glibc.getaddrinfo(host, service, &hints, &results)
        guard status == 0, let first = results else { return .failed(status == 0 ? EAI_NONAME : status) }
        return .found(AddressList(first))
    }
}

/// The addresses a lookup found, freed with the last reference to them.
/// `@unchecked Sendable`: the list is never changed after `getaddrinfo` returns it, only read.
public final class AddressList: @unchecked Sendable {
    let first: UnsafeMutablePointer<addrinfo>

    init(_ first: UnsafeMutablePointer<addrinfo>) {
        self.first = first
    }

    deinit { freeaddrinfo(first) }
}
