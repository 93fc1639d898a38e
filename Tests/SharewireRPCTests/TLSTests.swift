import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireTestSupport
import Testing

/// TLS and mutual TLS over loopback, with certificates openssl makes at test
/// time: calls work, the verified client identity reaches handlers, and each
/// way a connection cannot be secured fails quickly with a reason that says why.
@Suite(.timeLimit(.minutes(2)))
struct TLSTests {
    let certificates: TestCertificates

    init() async throws {
        certificates = try await TestCertificates.shared()
    }

    /// A TLS server (mutual with `clientCA`) and a call through a client with `tls`.
    private func call(
        serverCertificate: TestCertificates.Pair? = nil, mutual: Bool = false, tls: ClientTLS?,
        serverTLS: Bool = true
    ) async throws -> Result<String, RPCError> {
        try await timedCall(serverCertificate: serverCertificate, mutual: mutual, tls: tls, serverTLS: serverTLS).0
    }

    /// ``call(serverCertificate:mutual:tls:serverTLS:)`` and how long the call alone took.
    private func timedCall(
        serverCertificate: TestCertificates.Pair? = nil, mutual: Bool = false, tls: ClientTLS?,
        serverTLS: Bool = true
    ) async throws -> (Result<String, RPCError>, Duration) {
        let server = try await TestServer.start { config in
            guard serverTLS else { return }
            let pair = serverCertificate ?? certificates.server
            config.tls = ServerTLS(
                certificateChainFile: pair.certificate, privateKeyFile: pair.key,
                clientCAFile: mutual ? certificates.caFile : nil)
        }
        let client = server.client {
            $0.tls = tls
            $0.connectTimeout = .seconds(5)
        }
        defer { client.close() }
        let result: Result<String, RPCError>
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let reply = try await client.unary(
                TestMethods.peerCertificate, EchoRequest(), responseType: EchoResponse.self)
            result = .success(String(decoding: reply.payload, as: UTF8.self))
        } catch {
            result = .failure(error)
        }
        let elapsed = clock.now - started
        await server.stop()
        return (result, elapsed)
    }

    private var trustingCA: ClientTLS { ClientTLS(caFile: certificates.caFile) }

    private func client(_ pair: TestCertificates.Pair) -> ClientTLS {
        ClientTLS(caFile: certificates.caFile, certificateChainFile: pair.certificate, privateKeyFile: pair.key)
    }

    /// Expects the call to fail with `reason`, a message mentioning `text`, within 5 s
    /// (the connect timeout; server start and stop are not counted).
    private func expectRefusal(
        _ reason: String, mentioning text: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ attempt: () async throws -> (Result<String, RPCError>, Duration)
    ) async throws {
        let (result, elapsed) = try await attempt()
        guard case let .failure(error) = result else {
            Issue.record("expected \(reason), got \(result)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.details.first?.reason == reason, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation)
        #expect(error.isTLSFailure, sourceLocation: sourceLocation)
        #expect(elapsed < .seconds(5), "took \(elapsed)", sourceLocation: sourceLocation)
    }

    @Test func callOverTLS() async throws {
        #expect(try await call(tls: trustingCA).get() == "-")
        // By name: the certificate carries DNS:localhost.
        #expect(try await call(tls: ClientTLS(caFile: certificates.caFile, serverName: "localhost")).get() == "-")
    }

    @Test func mutualTLSHandsTheVerifiedIdentityToHandlers() async throws {
        let names = try await call(mutual: true, tls: client(certificates.trustedClient)).get()
        #expect(names == "\(TestCertificates.trustedServiceName),\(TestCertificates.trustedServiceName)")
        #expect(
            try await call(mutual: true, tls: client(certificates.plainClient)).get()
                == "someone.internal,someone.internal")
    }

    @Test func clientCertificatesTheServerCannotVerifyAreRefused() async throws {
        let rejected = TransportSecurity.Reason.clientCertificateRejected
        try await expectRefusal(rejected, mentioning: "not signed by a CA the server trusts") {
            try await timedCall(mutual: true, tls: client(certificates.otherCAClient))
        }
        try await expectRefusal(rejected, mentioning: "expired") {
            try await timedCall(mutual: true, tls: client(certificates.expiredClient))
        }
        try await expectRefusal(rejected, mentioning: "refused") {
            try await timedCall(mutual: true, tls: trustingCA)
        }
    }

    @Test func serverCertificateProblemsAreNamed() async throws {
        try await expectRefusal(TransportSecurity.Reason.certificateExpired, mentioning: "has expired") {
            try await timedCall(serverCertificate: certificates.expiredServer, tls: trustingCA)
        }
        // The system's trust store does not know the test CA.
        try await expectRefusal(TransportSecurity.Reason.certificateUntrusted, mentioning: "not signed by a trusted CA")
        {
            try await timedCall(tls: ClientTLS())
        }
        // 127.0.0.1, but the certificate names only elsewhere.example…
        try await expectRefusal(TransportSecurity.Reason.hostnameMismatch, mentioning: "does not name") {
            try await timedCall(serverCertificate: certificates.wrongNameServer, tls: trustingCA)
        }
        // …which the server-name override accepts.
        #expect(
            try await call(
                serverCertificate: certificates.wrongNameServer,
                tls: ClientTLS(caFile: certificates.caFile, serverName: "elsewhere.example")
            ).get() == "-")
    }

    @Test func plaintextAndTLSMismatchesFailClearlyBothWays() async throws {
        try await expectRefusal(TransportSecurity.Reason.tlsRequired, mentioning: "requires TLS") {
            try await timedCall(tls: nil)
        }
        try await expectRefusal(TransportSecurity.Reason.serverNotTLS, mentioning: "does not speak TLS") {
            try await timedCall(tls: trustingCA, serverTLS: false)
        }
    }

    @Test func badFilesAreNamed() async throws {
        let missing = certificates.directory.file("missing.pem")
        #expect(throws: TLSSetupError.self) {
            _ = try ServerTLS(certificateChainFile: missing, privateKeyFile: certificates.server.key).makeContext()
        }
        do {
            _ = try ServerTLS(certificateChainFile: certificates.server.certificate, privateKeyFile: missing)
                .makeContext()
            Issue.record("a missing key file was accepted")
        } catch {
            #expect(error.description.contains("missing.pem does not exist"), "\(error)")
        }
        let result = try await call(tls: ClientTLS(caFile: missing))
        guard case let .failure(error) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(error.details.first?.reason == TransportSecurity.Reason.badConfiguration, "\(error)")
    }
}
