import Dispatch
import Glibc
import Synchronization

/// SIGTERM (docker stop) and SIGINT (Ctrl-C): the first starts a graceful shutdown, a second one hurries it
/// (see `ShutdownSequence`). As PID 1 in a container the process gets no default SIGTERM action, so without
/// this `docker stop` would wait its full 10 s and then kill.
enum SignalHandling {
    private static let signalled = Atomic(false)

    /// The caller keeps the returned sources alive for as long as signals should be handled. `second` gets
    /// the signal's name and number.
    static func onTermination(
        first: @escaping @Sendable (String) -> Void, second: @escaping @Sendable (String, Int32) -> Void
    ) -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        let queue = DispatchQueue(label: "signals")
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            // Dispatch only sees a signal whose default action is disabled.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if signalled.exchange(true, ordering: .relaxed) {
                    second(name, number)
                } else {
                    first(name)
                }
            }
            source.activate()
            sources.append(source)
        }
        return sources
    }
}
