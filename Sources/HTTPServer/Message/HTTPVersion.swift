/// The two protocol versions this server speaks.
public enum HTTPVersion: Sendable, Equatable {
    case http10
    case http11

    var text: String {
        switch self {
        case .http10: "HTTP/1.0"
        case .http11: "HTTP/1.1"
        }
    }
}
