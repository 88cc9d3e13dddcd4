import AppCore
import Dispatch
import Glibc
import HTTPServer

/// `app serve`: starts the server and runs until SIGTERM or SIGINT, then drains and exits 0.
enum ServeCommand {
    static let gracePeriod = Duration.seconds(10)

    static func run(environment: [String: String]) -> Never {
        guard let config = loadConfig(environment), let address = config.listenAddress else {
            exit(ExitCode.config)
        }
        // A peer that closes early must cost an EPIPE, never the process.
        signal(SIGPIPE, SIG_IGN)
        let logger = Logger(level: config.logLevel)
        let router = AppRoutes.makeRouter(config: config, health: HealthMonitor())
        let observer: RequestObserver? = logger.isEnabled(.info) ? { @Sendable in logger.access($0) } : nil
        let server = HTTPServer(
            configuration: ServerConfiguration(address: address), router: router, observer: observer)
        let bound: SocketAddress
        do {
            bound = try server.start()
        } catch {
            printToStandardError("cannot listen: \(error) (is another server using this port? set PORT to change it)")
            exit(ExitCode.failure)
        }
        logger.announce(
            "\(AppRoutes.appName) started",
            [
                ("app_env", config.environment), ("address", bound.description), ("port", String(bound.port)),
                ("version", config.version), ("commit", config.gitSHA ?? "unknown"),
                ("log_level", config.logLevel.name), ("database", config.database.description),
            ])
        let signalSources = SignalHandling.onTermination { signalName in
            logger.announce(
                "shutting down", [("signal", signalName), ("grace_seconds", "\(gracePeriod.components.seconds)")])
            server.shutdown(gracePeriod: gracePeriod) {
                logger.announce("stopped")
                exit(0)
            }
        }
        withExtendedLifetime(signalSources) { dispatchMain() }
    }
}
