/// `host:port` as URLs, `Host` fields and messages write it: an IPv6 literal in brackets (`[::1]:5432`), so
/// that its colons are not taken for the port's.
public func authority(host: String, port: Int) -> String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
}
