import AppCore
import Dispatch
import Glibc
import HTTPServer

/// `app serve`: starts the server and runs until SIGTERM or SIGINT, then drains and exits 0.
enum ServeCommand {
    static func run(environment: [String: String]) -> Never {
        guard let config = loadConfig(environment), let address = config.listenAddress else {
            exit(ExitCode.config)
        }
        // A peer that closes early must cost an EPIPE, never the process.
        signal(SIGPIPE, SIG_IGN)
        raiseOpenFileLimit()
        let logger = Logger(level: config.logLevel, format: config.logFormat)
        let lifecycle = Lifecycle()
        logger.debug("configuration", config.summary)
        let repository = NoteRepository(
            database: config.database.makeDatabase(logger: logger), timeout: config.databaseTimeout)
        let database = DatabaseMonitor(repository: repository, logger: logger)
        let healthSwitch = ManualHealthSwitch()
        let stress = StressRunner(cpuThreads: CPUAllowance.detect().count, logger: logger)
        // The switch is only a check when it can be flipped: without SECRET_KEY there is no admin route.
        let checks: [any HealthCheck] = config.secretKey == nil ? [database] : [database, healthSwitch]
        let health = HealthMonitor(checks: checks, lifecycle: lifecycle)
        let statistics = ServerStatistics()
        let metrics = AppMetrics(config: config, statistics: statistics, logSink: logger.sink)
        let liveness = Liveness(statistics: statistics)
        let router = AppRoutes.makeRouter(
            config: config, health: health, liveness: liveness, metrics: metrics,
            notes: NotesAPI(repository: repository, logger: logger),
            admin: config.secretKey.map {
                AdminAPI(
                    secretKey: $0, healthSwitch: healthSwitch, stress: stress, logger: logger,
                    exitProcess: { status in _exit(status) })
            })
        let observer: RequestObserver =
            logger.isEnabled(.info)
            ? { @Sendable record in
                metrics.record(record)
                logger.access(record)
                logger.noteIfSlow(record)
            } : { @Sendable record in metrics.record(record) }
        let server = HTTPServer(
            configuration: config.server.serverConfiguration(address: address), router: router, observer: observer,
            statistics: statistics)
        // Handlers go in before the server starts: a SIGTERM that arrives at any moment after the startup line
        // must stop the process.
        let shutdown = ShutdownSequence(
            server: server, lifecycle: lifecycle, stress: stress, logger: logger, statistics: statistics,
            delay: config.server.shutdownDelay, gracePeriod: config.server.shutdownGrace)
        let signalSources = SignalHandling.onTermination(
            first: { name in shutdown.begin(signal: name) },
            second: { name, number in shutdown.hurry(signal: name, number: number) })
        // The first database check gets a moment, so /health is right from the first probe; an unreachable
        // database must not hold the start up for long (it is retried in the background).
        let firstCheck = DispatchSemaphore(value: 0)
        Task { await database.run { firstCheck.signal() } }
        _ = firstCheck.wait(timeout: .now() + .seconds(2))
        // Its own listener, loop and connections: what clients do on PORT cannot starve the probes.
        let management = config.managementAddress.map { address in
            HTTPServer(
                configuration: ServerSettings.managementConfiguration(address: address),
                router: AppRoutes.makeManagementRouter(health: health, liveness: liveness, metrics: metrics))
        }
        let bound = listen(server, variable: AppConfig.portVariable)
        let managementBound = management.map { listen($0, variable: AppConfig.managementPortVariable) }
        logger.announce(
            "\(AppRoutes.appName) started",
            [
                ("app_env", config.environment), ("address", bound.description), ("port", String(bound.port)),
                ("management_port", managementBound.map { String($0.port) } ?? "none"),
                ("version", config.version), ("commit", config.gitSHA ?? "unknown"),
                ("log_level", config.logLevel.name), ("log_format", config.logFormat.rawValue),
                ("database", config.database.description),
                ("event_loops", config.server.eventLoopAllowance.description),
                (
                    "buffer_budget",
                    "\(config.server.maxBufferedBytes) (\(config.server.maxBufferedBytesSource))"
                ),
            ])
        // Everything runs on the event loops' threads and on Dispatch queues; the main thread only waits.
        // (dispatchMain() would end it with pthread_exit, which AddressSanitizer misreads as a stack overflow.)
        let forever = DispatchSemaphore(value: 0)
        while true {
            withExtendedLifetime(signalSources) { forever.wait() }
        }
    }
}

/// Starts `server`, or explains why it cannot listen and exits.
private func listen(_ server: HTTPServer, variable: String) -> SocketAddress {
    do {
        return try server.start()
    } catch {
        printToStandardError(ListenFailure.message(for: error, portVariable: variable))
        exit(ExitCode.failure)
    }
}

/// Lets the process hold as many sockets as the hard limit allows (often 1024 by default, less than
/// MAX_CONNECTIONS plus the listener and files).
private func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
