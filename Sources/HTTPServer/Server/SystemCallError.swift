import Glibc

/// A failed system call (socket, epoll, eventfd, pthread), with the address or step it was for.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(operation): \(String(cString: strerror(code)))"
    }
}
