import Foundation
import Glibc
import Testing

@testable import DeadlineSocket

/// `sslrootcert` and `SSL_CERT_FILE` name files OpenSSL reads with blocking calls, outside every deadline.
@Suite struct CertificateFileTests {
    private static func scratchPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    }

    private static func failure(_ roots: TLSVerification.Roots) -> SocketFailure? {
        do throws(SocketFailure) {
            _ = try TLSSession(
                fd: -1, host: "localhost", verification: TLSVerification(roots: roots, checksHostName: true))
            return nil
        } catch {
            return error
        }
    }

    /// A FIFO used to hold the connection, and `/health`'s check with it, until something wrote to it.
    @Test(.timeLimit(.minutes(1))) func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let path = Self.scratchPath("fifo")
        try #require(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let error = try #require(Self.failure(.file(path)))
        #expect(error.kind == .tls(.untrusted))
        #expect(error.description.contains("not in a regular file"))
    }

    @Test func aDirectoryOrAMissingFileIsRefusedByName() throws {
        let missing = Self.scratchPath("missing")
        #expect(Self.failure(.file(missing))?.description.contains("\(missing): No such file or directory") == true)
        let directory = FileManager.default.temporaryDirectory.path
        #expect(Self.failure(.file(directory))?.description.contains("not in a regular file") == true)
    }

    @Test func aRegularFileIsAccepted() throws {
        let path = Self.scratchPath("ca.pem")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("not checked here".utf8)))
        defer { unlink(path) }
        #expect(throws: Never.self) { try TLSSession.requireCertificateFile(path) }
    }
}
