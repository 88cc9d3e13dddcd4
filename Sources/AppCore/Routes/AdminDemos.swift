import HTTPServer

/// The classroom demos: a throttled container (`POST /admin/stress/cpu?seconds=N`), an OOM-killed one
/// (`POST /admin/stress/memory?mb=N&seconds=S`) and a restarted one (`POST /admin/crash`). Guarded like the
/// health switch; each is logged with its request id.
extension AdminAPI {
    /// The status `/admin/crash` exits with: EX_SOFTWARE, an internal error, rather than a signal, so the
    /// runtime prints no backtrace and a restart policy sees a plain failure.
    public static let crashStatus: Int32 = 70

    @Sendable func stressCPU(_ request: Request) -> Response {
        guard isAuthorized(request.headers.values(for: "authorization")) else { return Self.unauthorized }
        guard let seconds = request.queryValue("seconds").flatMap({ wholeNumber($0, in: StressRunner.seconds) }) else {
            return .notAWholeNumber("seconds", from: StressRunner.seconds)
        }
        let outcome = stress.startCPU(seconds: seconds, requestID: request.id)
        logger.warning(
            "cpu stress requested",
            [("request_id", request.id), ("seconds", String(seconds)), ("outcome", Self.describe(outcome))])
        return Self.answer(
            outcome, kind: "cpu",
            [("stress", .string("cpu")), ("threads", .integer(stress.cpuThreads)), ("seconds", .integer(seconds))])
    }

    @Sendable func stressMemory(_ request: Request) -> Response {
        guard isAuthorized(request.headers.values(for: "authorization")) else { return Self.unauthorized }
        guard let megabytes = request.queryValue("mb").flatMap({ wholeNumber($0, in: StressRunner.megabytes) }) else {
            return .notAWholeNumber("mb", from: StressRunner.megabytes)
        }
        guard let seconds = request.queryValue("seconds").flatMap({ wholeNumber($0, in: StressRunner.seconds) }) else {
            return .notAWholeNumber("seconds", from: StressRunner.seconds)
        }
        let outcome = stress.startMemory(megabytes: megabytes, seconds: seconds, requestID: request.id)
        logger.warning(
            "memory stress requested",
            [
                ("request_id", request.id), ("mb", String(megabytes)), ("seconds", String(seconds)),
                ("outcome", Self.describe(outcome)),
            ])
        return Self.answer(
            outcome, kind: "memory",
            [("stress", .string("memory")), ("mb", .integer(megabytes)), ("seconds", .integer(seconds))])
    }

    /// Answers, then ends the process once the answer is written (or its client has gone).
    @Sendable func crash(_ request: Request) -> Response {
        guard isAuthorized(request.headers.values(for: "authorization")) else { return Self.unauthorized }
        logger.error(
            "crash requested by hand: exiting",
            [("request_id", request.id), ("exit_status", String(Self.crashStatus))])
        var response = Response.json(
            .accepted, .object([("crashing", .bool(true)), ("exit_status", .integer(Int(Self.crashStatus)))]))
        let logger = self.logger
        let exitProcess = self.exitProcess
        response.afterClose = {
            logger.flush(timeout: .milliseconds(500))
            exitProcess(Self.crashStatus)
        }
        return response
    }

    static func answer(_ outcome: StressRunner.Outcome, kind: String, _ started: [(String, JSON)]) -> Response {
        switch outcome {
        case .started:
            return .json(.accepted, .object(started))
        case .busy(let secondsLeft):
            return .error(
                .conflict, "a \(kind) stress is already running; it ends within \(secondsLeft) s",
                headers: HTTPHeaders([("Retry-After", String(secondsLeft))]))
        case .shuttingDown:
            return .error(.serviceUnavailable, "shutting down")
        case .refused(let reason):
            return .error(.serviceUnavailable, "the \(kind) stress could not start: \(reason)")
        }
    }

    static func describe(_ outcome: StressRunner.Outcome) -> String {
        switch outcome {
        case .started: "started"
        case .busy: "already running"
        case .shuttingDown: "shutting down"
        case .refused(let reason): "refused: \(reason)"
        }
    }
}
