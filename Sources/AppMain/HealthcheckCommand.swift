import AppCore
import DeadlineSocket
import HTTPProbe

/// `app healthcheck`: what the Dockerfile's HEALTHCHECK runs. Exit 0 on 200, 1 otherwise, with one line why.
/// It asks the management listener (MANAGEMENT_PORT) when the app has one, and PORT otherwise.
enum HealthcheckCommand {
    static let timeout = Duration.seconds(2)

    /// Which endpoint to ask.
    enum Probe: Equatable {
        /// `/health`, as the course knows it.
        case health
        /// `/livez`: for a check whose failure restarts the container.
        case live
        /// `/readyz`: for a check that decides whether the container gets traffic.
        case ready

        var path: String {
            switch self {
            case .health: "/health"
            case .live: "/livez"
            case .ready: "/readyz"
            }
        }
    }

    static func run(_ probe: Probe, environment: [String: String]) -> Int32 {
        guard let config = loadConfig(environment) else { return ExitCode.config }
        // The management listener when there is one: there, no client of the app can take the probe's place.
        let (port, variable) =
            config.managementPort.map { ($0, AppConfig.managementPortVariable) }
            ?? (config.port, AppConfig.portVariable)
        guard port != 0 else {
            printToStandardError("unhealthy: \(variable)=0 means a random port; set \(variable) to the server's port")
            return ExitCode.failure
        }
        let host = probeHost(config)
        let url = "http://\(authority(host: host, port: port))\(probe.path)"
        do {
            let (status, body) = try HTTPProbe.get(probe.path, host: host, port: port, timeout: timeout)
            let summary = String(decoding: body.prefix(300), as: UTF8.self).filter { !$0.isNewline }
            guard status == 200 else {
                printToStandardError("unhealthy: \(url) answered \(status): \(summary)")
                return ExitCode.failure
            }
            print("healthy: \(url) answered 200: \(summary)")
            return 0
        } catch {
            printToStandardError("unhealthy: \(url): \(error)")
            return ExitCode.failure
        }
    }

    /// The server's own address, or loopback when it listens on every interface.
    static func probeHost(_ config: AppConfig) -> String {
        config.listenAddress?.isWildcard == false ? config.host : "127.0.0.1"
    }
}
