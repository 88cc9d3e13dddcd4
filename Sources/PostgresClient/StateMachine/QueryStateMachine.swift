/// The server's answer to one extended query (Parse, Bind, Execute, Sync), message by message, until
/// `ReadyForQuery`. An error is kept until then, so the connection is left in step for the next query.
struct QueryStateMachine {
    enum Step: Equatable {
        case needMore
        /// `ReadyForQuery` after success: the rows, as text, nil for NULL.
        case finished([[String?]])
    }

    private var rows: [[String?]] = []
    private var failure: PostgresError?

    mutating func receive(_ message: BackendMessage) throws(PostgresError) -> Step {
        switch message.type {
        case BackendMessage.dataRow:
            if failure == nil { rows.append(try message.dataRowColumns()) }
            return .needMore
        case BackendMessage.errorResponse:
            failure = message.serverError()
            return .needMore
        case BackendMessage.readyForQuery:
            if let failure { throw failure }
            return .finished(rows)
        case BackendMessage.parseComplete, BackendMessage.bindComplete, BackendMessage.commandComplete,
            BackendMessage.emptyQueryResponse, BackendMessage.noData, BackendMessage.rowDescription,
            BackendMessage.portalSuspended, BackendMessage.noticeResponse, BackendMessage.parameterStatus,
            BackendMessage.notificationResponse:
            return .needMore
        default:
            throw PostgresError(
                .protocolViolation, "server sent message '\(Character(Unicode.Scalar(message.type)))' during a query")
        }
    }
}
