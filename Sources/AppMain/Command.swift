import AppCore
import Glibc

/// The subcommands of `app`.
enum Command: Equatable {
    case serve
    case healthcheck(HealthcheckCommand.Probe)
    case check
    case version
    case help
    case unknown(String)

    init(arguments: [String]) {
        switch arguments {
        case [], ["serve"]: self = .serve
        case ["healthcheck"]: self = .healthcheck(.health)
        case ["healthcheck", "--live"]: self = .healthcheck(.live)
        case ["healthcheck", "--ready"]: self = .healthcheck(.ready)
        case ["check"]: self = .check
        case ["--version"], ["version"]: self = .version
        case ["--help"], ["-h"], ["help"]: self = .help
        default: self = .unknown(arguments.joined(separator: " "))
        }
    }

    static var usage: String {
        let width = AppConfig.variables.map(\.name.count).max() ?? 0
        let variables = AppConfig.variables.map { variable in
            let padding = String(repeating: " ", count: width - variable.name.count)
            let help = variable.help.isEmpty ? "" : " (\(variable.help))"
            return "  \(variable.name)\(padding)  default \(variable.defaultText); \(variable.accepted)\(help)"
        }
        return """
            usage: app [command]

            commands:
              serve         run the HTTP server (the default)
              healthcheck   GET /health on this machine's server; exit 0 if it answers 200, 1 otherwise
                --live      GET /livez instead: the process serves (for restarts; never the database)
                --ready     GET /readyz instead: the app should get traffic (database up, not draining)
              check         validate the configuration; print OK (exit 0) or the error (exit 78)
              --version     print the version
              --help        print this help

            Configuration comes only from these environment variables:
            """ + "\n" + variables.joined(separator: "\n")
    }

    static func versionLine(environment: [String: String]) -> String {
        let identity = AppConfig.identity(from: environment)
        return "\(AppRoutes.appName) \(identity.version)\(identity.commit.map { " (commit \($0))" } ?? "")"
    }
}

/// Exit statuses, from sysexits.h where one fits.
enum ExitCode {
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let config: Int32 = 78
}

func printToStandardError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Loads the configuration or explains, in one line, why it cannot be used.
func loadConfig(_ environment: [String: String]) -> AppConfig? {
    do {
        return try AppConfig.load(from: environment)
    } catch {
        printToStandardError(error.description)
        return nil
    }
}
