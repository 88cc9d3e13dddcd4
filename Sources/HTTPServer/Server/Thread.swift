import CSystem
import Glibc

/// Starts a detached POSIX thread running `body`, for work that must not take a Dispatch worker for long (an
/// event loop, a demo that keeps a CPU busy). The name shows in `top -H` and in debuggers.
public func spawnThread(named name: String, _ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
    let start = Unmanaged.passRetained(ThreadStart(name: name, body: body))
    var thread = pthread_t()
    let result = pthread_create(
        &thread, nil,
        { argument in
            guard let argument else { return nil }
            let start = Unmanaged<ThreadStart>.fromOpaque(argument).takeRetainedValue()
            csystem_name_thread(start.name)
            start.body()
            return nil
        }, start.toOpaque())
    guard result == 0 else {
        start.release()
        throw SystemCallError("pthread_create", code: result)
    }
    pthread_detach(thread)
}

private final class ThreadStart {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}
