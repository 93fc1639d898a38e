import Foundation

/// Certificates for TLS tests, made at test time with the `openssl` CLI
/// (Debian package `openssl`, installed by tools/install-deps) in a temp
/// directory: a CA, a server certificate for 127.0.0.1 and localhost, and
/// client certificates (trusted service, plain, from another CA, expired).
/// Every file is PEM; keys are unencrypted P-256.
public struct TestCertificates: Sendable {
    /// A certificate and its key.
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    public let directory: TempDirectory
    /// The CA that signs everything below except ``otherCAClient``.
    public let caFile: String
    /// CN `sharewired`, SANs DNS:localhost and IP:127.0.0.1.
    public let server: Pair
    /// Like ``server``, but expired yesterday.
    public let expiredServer: Pair
    /// Signed by the CA for `elsewhere.example` only: the wrong name for 127.0.0.1.
    public let wrongNameServer: Pair
    /// CN and DNS SAN ``trustedServiceName``: a backend on the allow-list.
    public let trustedClient: Pair
    /// CN `someone.internal`: signed by the CA, on no allow-list.
    public let plainClient: Pair
    /// CN ``trustedServiceName``, but signed by a CA the server does not trust.
    public let otherCAClient: Pair
    /// CN ``trustedServiceName``, signed by the CA, expired yesterday.
    public let expiredClient: Pair

    /// The service name the trusted client certificate carries.
    public static let trustedServiceName = "billing.internal"

    /// Makes every certificate (a few hundred ms); bounded by `timeout` per openssl run.
    /// Async: the openssl runs are awaited, not waited for on a thread, so
    /// tests running in parallel keep the (two-thread) cooperative pool.
    public init(timeout: Duration = .seconds(30)) async throws {
        let dir = try TempDirectory("sharewire-tls")
        directory = dir
        let openssl = OpenSSL(directory: dir.path, timeout: timeout)
        caFile = try await openssl.makeCA(name: "ca", commonName: "Sharewire Test CA")
        _ = try await openssl.makeCA(name: "other-ca", commonName: "Some Other CA")
        server = try await openssl.makeLeaf(
            name: "server", commonName: "sharewired", ca: "ca",
            subjectAltName: "DNS:localhost,IP:127.0.0.1", days: 2)
        expiredServer = try await openssl.makeLeaf(
            name: "expired-server", commonName: "sharewired", ca: "ca",
            subjectAltName: "DNS:localhost,IP:127.0.0.1", days: -1)
        wrongNameServer = try await openssl.makeLeaf(
            name: "wrong-name-server", commonName: "elsewhere.example", ca: "ca",
            subjectAltName: "DNS:elsewhere.example", days: 2)
        let service = Self.trustedServiceName
        trustedClient = try await openssl.makeLeaf(
            name: "trusted-client", commonName: service, ca: "ca",
            subjectAltName: "DNS:\(service)", days: 2)
        plainClient = try await openssl.makeLeaf(
            name: "plain-client", commonName: "someone.internal", ca: "ca",
            subjectAltName: "DNS:someone.internal", days: 2)
        otherCAClient = try await openssl.makeLeaf(
            name: "other-ca-client", commonName: service, ca: "other-ca",
            subjectAltName: "DNS:\(service)", days: 2)
        expiredClient = try await openssl.makeLeaf(
            name: "expired-client", commonName: service, ca: "ca",
            subjectAltName: "DNS:\(service)", days: -1)
    }

    public func remove() { directory.remove() }

    /// Another server certificate for 127.0.0.1 and localhost, valid for
    /// `days`, signed by the CA or (`otherCA`) by the CA nothing trusts: a
    /// renewal, for certificate-reload tests. Its files get a name of their
    /// own (`name` and a random suffix), so tests may make them in the
    /// ``shared()`` set at once.
    public func makeServer(name: String, days: Int, otherCA: Bool = false) async throws -> Pair {
        try await OpenSSL(directory: directory.path, timeout: .seconds(30))
            .makeLeaf(
                name: "\(name)-\(UUID().uuidString.prefix(8).lowercased())", commonName: "sharewired",
                ca: otherCA ? "other-ca" : "ca",
                subjectAltName: "DNS:localhost,IP:127.0.0.1", days: days)
    }

    /// Puts `pair` in place as `certificateFile` and `keyFile` the way a
    /// deployment should before a reload: each renamed into place whole.
    public static func install(_ pair: Pair, certificateFile: String, keyFile: String) throws {
        for (source, target) in [(pair.certificate, certificateFile), (pair.key, keyFile)] {
            let staged = target + ".new"
            try? FileManager.default.removeItem(atPath: staged)
            try FileManager.default.copyItem(atPath: source, toPath: staged)
            guard rename(staged, target) == 0 else {
                throw OpenSSL.Failure(description: "cannot rename \(staged) to \(target): errno \(errno)")
            }
        }
    }

    /// The CA that signs ``otherCAClient`` (and ``makeServer(name:days:otherCA:)`` with `otherCA`).
    public var otherCAFile: String { directory.file("other-ca.pem") }

    private static let sharedSet = Task { try await TestCertificates() }

    /// One set for the whole test process, made on first use, for tests that
    /// read its files or add their own with ``makeServer(name:days:otherCA:)``
    /// (dozens of tests would otherwise each run openssl 16 times at once).
    /// Never removed: it stays in the temp directory. A test that writes
    /// other files (a live certificate it replaces) keeps them in a
    /// directory of its own.
    public static func shared() async throws -> TestCertificates {
        try await sharedSet.value
    }
}

/// Runs `openssl` in one directory, each run bounded in time.
struct OpenSSL {
    let directory: String
    let timeout: Duration

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A self-signed CA: `<name>.pem`, `<name>.key`. Returns the certificate path.
    func makeCA(name: String, commonName: String) async throws -> String {
        try await run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", "/CN=\(commonName)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        return "\(directory)/\(name).pem"
    }

    /// A leaf signed by CA `ca`, valid for `days` (negative: expired).
    func makeLeaf(name: String, commonName: String, ca: String, subjectAltName: String, days: Int) async throws
        -> TestCertificates.Pair
    {
        try await run([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(commonName)",
        ])
        let extensions = """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth,clientAuth
            subjectAltName=\(subjectAltName)

            """
        try extensions.write(toFile: "\(directory)/\(name).ext", atomically: true, encoding: .utf8)
        try await run([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
            "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", String(days),
            "-extfile", "\(name).ext", "-out", "\(name).pem",
        ])
        return TestCertificates.Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
    }

    /// Runs `openssl arguments…` in the directory; throws with its stderr
    /// if it fails (exit 127: not installed, see tools/install-deps).
    private func run(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run(
            "/usr/bin/env", ["openssl"] + arguments, currentDirectory: directory, timeout: timeout)
        guard result.status == 0 else {
            throw Failure(
                description: "openssl \(arguments.joined(separator: " ")) failed (\(result.exit)): \(result.stderr)")
        }
    }
}
