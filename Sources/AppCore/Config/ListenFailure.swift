import Glibc
import HTTPServer

/// Why `app serve` could not listen, in words that point at the setting to change. Each cause has its own
/// hint: "is another server using this port?" is wrong, and sends the reader the wrong way, when the address
/// itself does not exist here (HOST=::1 in a container without IPv6).
public enum ListenFailure {
    public static func message(for error: SystemCallError) -> String {
        "cannot listen: \(error)" + (hint(errorNumber: error.code).map { " (\($0))" } ?? "")
    }

    static func hint(errorNumber: Int32) -> String? {
        switch errorNumber {
        case EADDRINUSE:
            "is another server using this port? set PORT to change it"
        case EADDRNOTAVAIL, EAFNOSUPPORT:
            "HOST is not an address of this machine (a container often has no IPv6): "
                + "set HOST to 0.0.0.0, to :: or to one of the machine's own addresses"
        case EACCES:
            "a port below 1024 needs privileges this process lacks: set PORT to 1024 or above"
        default:
            nil
        }
    }
}
