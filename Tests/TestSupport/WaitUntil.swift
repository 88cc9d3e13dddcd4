import Testing

/// Polls `condition` until it holds. The 30 s bound only ends a wait that never would: on a quiet machine the
/// conditions waited for in these tests hold within a second or two, and a busy one needs a few more.
public func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 30 s")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
