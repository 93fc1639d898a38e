import Foundation
import SharewireTestSupport
import Testing

/// `sharewired`'s TLS flags at start: plain TCP beyond loopback needs an
/// explicit --insecure-plaintext, and unusable certificate files are named.
@Suite(.timeLimit(.minutes(2)))
struct TLSStartupTests {
    @Test func plaintextOnANonLoopbackAddressIsRefused() async throws {
        let dir = try TempDirectory("sharewire-tls-startup")
        defer { dir.remove() }
        let refusal = try await ServerProcess.refusal(
            arguments: ["--host", "0.0.0.0", "--port", "0", "--data-dir", dir.file("data")], in: dir)
        #expect(refusal.status == 1, "\(refusal)")
        #expect(refusal.stderr.contains("refusing to serve plain TCP on 0.0.0.0"), "\(refusal)")
        #expect(refusal.stderr.contains("--tls-cert FILE --tls-key FILE"), "\(refusal)")
        #expect(refusal.stderr.contains("--insecure-plaintext"), "\(refusal)")
        // Nothing was created: the refusal comes before the data directory is touched.
        #expect(!FileManager.default.fileExists(atPath: dir.file("data")))
    }

    @Test func unusableCertificateFilesAreNamed() async throws {
        let certificates = try await TestCertificates.shared()
        let dir = try TempDirectory("sharewire-tls-startup")
        defer { dir.remove() }
        let missing = try await ServerProcess.refusal(
            arguments: [
                "--port", "0", "--data-dir", dir.file("data"), "--tls-cert", dir.file("nope.pem"),
                "--tls-key", certificates.server.key,
            ], in: dir)
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("TLS certificate file \(dir.file("nope.pem")) does not exist"), "\(missing)")
        // A key that does not belong to the certificate.
        let mismatched = try await ServerProcess.refusal(
            arguments: [
                "--port", "0", "--data-dir", dir.file("data"), "--tls-cert", certificates.server.certificate,
                "--tls-key", certificates.plainClient.key,
            ], in: dir)
        #expect(mismatched.status == 1, "\(mismatched)")
        #expect(mismatched.stderr.contains("cannot be used together"), "\(mismatched)")
        // --trusted-service without mutual TLS is a usage error.
        let usage = try await ServerProcess.refusal(
            arguments: ["--port", "0", "--data-dir", dir.file("data"), "--trusted-service", "x"], in: dir)
        #expect(usage.status == 64, "\(usage)")
        #expect(usage.stderr.contains("--trusted-service needs --tls-client-ca"), "\(usage)")
    }
}
