import AppCore
import Dispatch
import Glibc
import HTTPServer
import Synchronization

/// What SIGTERM and SIGINT do to `app serve`.
///
/// The first: `/health` and `/readyz` answer 503, the server goes on serving for `SHUTDOWN_DELAY_SECONDS`,
/// then stops accepting, lets requests in progress finish for up to `SHUTDOWN_GRACE_SECONDS`, and the process
/// exits 0. A second one, during either: "stopping now" is logged, the delay and the grace end at once (requests
/// still in progress are cut; what is already written stays written), and the process exits 128 + the signal's
/// number (143 for SIGTERM, 130 for SIGINT), the status a shell shows for a process a signal ended.
final class ShutdownSequence: Sendable {
    private let server: HTTPServer
    private let lifecycle: Lifecycle
    private let stress: StressRunner
    private let logger: Logger
    private let statistics: ServerStatistics
    private let delay: Duration
    private let gracePeriod: Duration
    private let drainStarted = Atomic(false)
    private let exitStatus = Atomic<Int32>(0)

    init(
        server: HTTPServer, lifecycle: Lifecycle, stress: StressRunner, logger: Logger, statistics: ServerStatistics,
        delay: Duration,
        gracePeriod: Duration
    ) {
        self.server = server
        self.lifecycle = lifecycle
        self.stress = stress
        self.logger = logger
        self.statistics = statistics
        self.delay = delay
        self.gracePeriod = gracePeriod
    }

    func begin(signal name: String) {
        // /health and /readyz answer 503 from now on; during the delay everything else is served as before, so
        // that load balancers and Kubernetes Services stop sending new work before the listener closes, instead
        // of finding it closed.
        lifecycle.beginDraining()
        // A demo's busy threads and held memory are no request to wait for.
        stress.stop()
        logger.announce(
            "shutting down",
            [
                ("signal", name), ("delay_seconds", "\(delay.inSeconds)"),
                ("grace_seconds", "\(gracePeriod.inSeconds)"),
            ])
        if delay > .zero {
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: delay.nanoseconds))) {
                [self] in drain()
            }
        } else {
            drain()
        }
    }

    func hurry(signal name: String, number: Int32) {
        exitStatus.store(128 + number, ordering: .relaxed)
        logger.announce(
            "stopping now", [("signal", name), ("requests_cut", String(max(0, statistics.requestsInFlight)))])
        server.hurryShutdown()
        drain()
    }

    /// Runs once, whichever comes first: the end of the delay, or a second signal.
    private func drain() {
        guard !drainStarted.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if delay > .zero { logger.announce("draining", [("grace_seconds", "\(gracePeriod.inSeconds)")]) }
        server.shutdown(gracePeriod: gracePeriod) { [self] in
            logger.announce("stopped")
            // Bounded: a log reader that stopped reading must not keep the process alive.
            logger.flush(timeout: .milliseconds(500))
            exit(exitStatus.load(ordering: .relaxed))
        }
    }
}
