/// How the body of a request is delimited (RFC 9112 section 6.3).
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
}

/// A parsed request line and header section, before the body.
struct RequestHead {
    var request: Request
    var framing: BodyFraming
    var expectsContinue: Bool
}
