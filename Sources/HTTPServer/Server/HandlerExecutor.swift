import Dispatch

/// Runs async handlers on a Dispatch queue of the server's own rather than on Swift's cooperative pool,
/// which has one thread per core: code elsewhere in the process that blocks those threads (a blocking
/// library call, a test's blocking socket read) must not stop the server from answering.
final class HandlerExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "http.handlers", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { [self] in
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
