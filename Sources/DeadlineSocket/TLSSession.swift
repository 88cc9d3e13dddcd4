import COpenSSL
import Glibc

/// How a TLS client checks the server it reached, in libpq's terms.
public struct TLSVerification: Sendable, Equatable {
    /// Where trusted root certificates come from.
    public enum Roots: Sendable, Equatable {
        /// The operating system's bundle (Debian's `ca-certificates`).
        case system
        /// A PEM file of one or more certificates.
        case file(String)
    }

    /// Nil: the certificate is not checked at all (`sslmode=require`): encrypted, but not authenticated.
    public var roots: Roots?
    /// Whether the certificate must also name the host connected to (`verify-full`).
    public var checksHostName: Bool

    public init(roots: Roots?, checksHostName: Bool) {
        self.roots = roots
        self.checksHostName = checksHostName
    }

    /// `sslmode=require`, `prefer` and `allow`: encryption only.
    public static let none = TLSVerification(roots: nil, checksHostName: false)
}

/// One TLS session over a connected, non-blocking socket. Each call does what it can without blocking and
/// says what it waits for; `DeadlineSocket` does the waiting, bounded by its deadline.
final class TLSSession {
    enum Progress {
        case done(Int)
        case wantRead
        case wantWrite
        /// The peer closed the session cleanly.
        case closed
    }

    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let host: String
    private let verification: TLSVerification

    init(fd: Int32, host: String, verification: TLSVerification) throws(SocketFailure) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw SocketFailure(.tls(.handshake), "cannot set up TLS: \(Self.lastError())")
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw SocketFailure(.tls(.handshake), "cannot set up TLS: \(Self.lastError())")
        }
        self.context = context
        self.ssl = ssl
        self.host = host
        self.verification = verification
        try configure(fd: fd)
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    private func configure(fd: Int32) throws(SocketFailure) {
        _ = copenssl_set_min_tls12(context)
        if let roots = verification.roots {
            let loaded: Int32
            switch roots {
            case .system:
                if let bundle = getenv("SSL_CERT_FILE").map({ String(cString: $0) }), !bundle.isEmpty {
                    try Self.requireCertificateFile(bundle)
                }
                loaded = SSL_CTX_set_default_verify_paths(context)
            case .file(let path):
                try Self.requireCertificateFile(path)
                loaded = SSL_CTX_load_verify_locations(context, path, nil)
            }
            guard loaded == 1 else {
                throw SocketFailure(
                    .tls(.untrusted), "cannot load the root certificates (\(roots)): \(Self.lastError())")
            }
            SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
            if verification.checksHostName {
                // An IP address is checked against the certificate's IP entries, a name against its DNS names.
                let parameters = SSL_get0_param(ssl)
                let set =
                    hostIsAddress
                    ? X509_VERIFY_PARAM_set1_ip_asc(parameters, host)
                    : X509_VERIFY_PARAM_set1_host(parameters, host, 0)
                guard set == 1 else { throw SocketFailure(.tls(.handshake), "cannot check host name \(host)") }
            }
        } else {
            SSL_set_verify(ssl, SSL_VERIFY_NONE, nil)
        }
        // SNI is for names only (RFC 6066 forbids addresses).
        if !hostIsAddress {
            _ = copenssl_set_server_name(ssl, host)
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            throw SocketFailure(.tls(.handshake), "cannot set up TLS: \(Self.lastError())")
        }
        SSL_set_connect_state(ssl)
    }

    /// The largest root certificate bundle read: Debian's whole bundle is about 200 KB.
    static let maxCertificateFileBytes = 16 * 1024 * 1024

    /// OpenSSL reads the file with blocking calls that no deadline covers: a FIFO (or a device) would hold the
    /// connection, and the health check with it, until someone writes to it, and a huge file would take its
    /// time and memory. Only a regular file of a sane size gets that far; `stat` itself never blocks on them.
    static func requireCertificateFile(_ path: String) throws(SocketFailure) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw SocketFailure(
                .tls(.untrusted), "cannot read the root certificates \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SocketFailure(.tls(.untrusted), "the root certificates \(path) are not in a regular file")
        }
        guard status.st_size <= maxCertificateFileBytes else {
            throw SocketFailure(
                .tls(.untrusted),
                "the root certificates \(path) are \(status.st_size) bytes, "
                    + "more than the \(maxCertificateFileBytes) read")
        }
    }

    /// An IPv6 or IPv4 literal rather than a name: checked against the certificate's IP entries, and never
    /// sent as SNI.
    private var hostIsAddress: Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }

    func handshake() throws(SocketFailure) -> Progress {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done(0) }
        return try progress(after: result, doing: "TLS handshake with")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SocketFailure) -> Progress {
        ERR_clear_error()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 { return .done(Int(result)) }
        return try progress(after: result, doing: "reading from")
    }

    func write(_ buffer: UnsafeRawBufferPointer) throws(SocketFailure) -> Progress {
        ERR_clear_error()
        let result = SSL_write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 { return .done(Int(result)) }
        return try progress(after: result, doing: "writing to")
    }

    /// Best effort: tells the server the session ends, without waiting for its answer.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
    }

    private func progress(after result: Int32, doing what: String) throws(SocketFailure) -> Progress {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            throw SocketFailure(.closed, "connection lost (\(what) \(host))")
        default:
            throw certificateFailure()
                ?? SocketFailure(.tls(.handshake), "TLS failed (\(what) \(host)): \(Self.lastError())")
        }
    }

    /// The certificate check's own reason, when that is what failed.
    private func certificateFailure() -> SocketFailure? {
        let code = Int32(SSL_get_verify_result(ssl))
        guard code != X509_V_OK else { return nil }
        let reason = String(cString: X509_verify_cert_error_string(Int(code)))
        let problem: SocketFailure.TLSProblem
        switch code {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH: problem = .hostNameMismatch
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID: problem = .expired
        default: problem = .untrusted
        }
        return SocketFailure(.tls(problem), "the server's certificate was refused: \(reason) (\(host))")
    }

    /// The most recent OpenSSL error, as text.
    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown error" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
