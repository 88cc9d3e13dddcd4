import AppCore

/// `app check`: the container smoke test, the Swift twin of `python3 -c 'import app; print("OK")'`.
enum CheckCommand {
    static func run(environment: [String: String]) -> Int32 {
        guard loadConfig(environment) != nil else { return ExitCode.config }
        print("OK")
        return 0
    }
}
