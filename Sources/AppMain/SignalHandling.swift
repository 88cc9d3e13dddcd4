import Dispatch
import Glibc
import Synchronization

/// SIGTERM (docker stop) and SIGINT (Ctrl-C) start a graceful shutdown; a second one exits at once.
/// As PID 1 in a container the process gets no default SIGTERM action, so without this `docker stop`
/// would wait its full 10 s and then kill.
enum SignalHandling {
    private static let stopping = Atomic(false)

    /// The caller keeps the returned sources alive for as long as signals should be handled.
    static func onTermination(_ handler: @escaping @Sendable (String) -> Void) -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        let queue = DispatchQueue(label: "signals")
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            // Dispatch only sees a signal whose default action is disabled.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let second = stopping.exchange(true, ordering: .relaxed)
                if second { exit(1) }
                handler(name)
            }
            source.activate()
            sources.append(source)
        }
        return sources
    }
}
