import HTTPServer
import Locking

/// Holds async handlers until the test opens it.
final class Gate: Sendable {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    var waiting: Int { state.withLock { $0.waiters.count } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
}

extension Router {
    /// `GET /gated`: answers "released" once `gate` opens.
    mutating func addGated(_ gate: Gate) {
        add(
            "GET", "/gated",
            .async { _ in
                await gate.wait()
                return Response(body: Array("released".utf8))
            })
    }
}
