import AppCore
import Glibc

// The `app` command: reads the environment, then runs one subcommand. Everything else lives in AppCore.
let arguments = Array(CommandLine.arguments.dropFirst())
switch Command(arguments: arguments) {
case .serve:
    ServeCommand.run(environment: ProcessEnvironment.current())
case .healthcheck(let probe):
    exit(HealthcheckCommand.run(probe, environment: ProcessEnvironment.current()))
case .check:
    exit(CheckCommand.run(environment: ProcessEnvironment.current()))
case .version:
    print(Command.versionLine(environment: ProcessEnvironment.current()))
    exit(0)
case .help:
    print(Command.usage)
    exit(0)
case .unknown(let text):
    printToStandardError("app: unknown command '\(text)'\n\n\(Command.usage)")
    exit(ExitCode.usage)
}
