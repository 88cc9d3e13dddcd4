import Glibc
import HTTPServer

/// Why `app serve` could not listen, in words that point at the setting to change. Each cause has its own
/// hint: "is another server using this port?" is wrong, and sends the reader the wrong way, when the address
/// itself does not exist here (HOST=::1 in a container without IPv6).
public enum ListenFailure {
    /// `portVariable` names the setting that chose the port: PORT, or MANAGEMENT_PORT.
    public static func message(for error: SystemCallError, portVariable: String = AppConfig.portVariable) -> String {
        "cannot listen: \(error)"
            + (hint(errorNumber: error.code, portVariable: portVariable).map { " (\($0))" } ?? "")
    }

    static func hint(errorNumber: Int32, portVariable: String = AppConfig.portVariable) -> String? {
        switch errorNumber {
        case EADDRINUSE:
            "is another server using this port? set \(portVariable) to change it"
        case EADDRNOTAVAIL, EAFNOSUPPORT:
            "HOST is not an address of this machine (a container often has no IPv6): "
                + "set HOST to 0.0.0.0, to :: or to one of the machine's own addresses"
        case EACCES:
            "a port below 1024 needs privileges this process lacks: set \(portVariable) to 1024 or above"
        default:
            nil
        }
    }
}
