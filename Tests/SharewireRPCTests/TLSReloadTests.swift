import Foundation
import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireTestSupport
import Synchronization
import Testing

/// Certificate reload (`RPCServer.reloadTLS()`, SIGHUP in sharewired):
/// new connections get the new certificate, open ones keep theirs and lose
/// nothing, and a bad file keeps the old certificate. Certificates are made
/// by `openssl` at test time.
@Suite(.timeLimit(.minutes(2)))
struct TLSReloadTests {
    final class ReloadObserver: ServerObserver {
        private let loadedList = Mutex<[ServerCertificateSummary]>([])
        var loaded: [ServerCertificateSummary] { loadedList.withLock { $0 } }
        let failed = Atomic<Int>(0)
        func callFinished(method: MethodDescriptor, code: StatusCode, duration: Duration) {}
        func tlsCertificateLoaded(_ certificate: ServerCertificateSummary) {
            loadedList.withLock { $0.append(certificate) }
        }
        func tlsCertificateReloadFailed() { failed.add(1, ordering: .relaxed) }
    }

    /// The shared certificates (this suite makes renewals in them) and a TLS
    /// server whose certificate and key live in files of the test's own
    /// directory, which the test replaces.
    struct Setup {
        let certificates: TestCertificates
        let live: TempDirectory
        let certificateFile: String
        let keyFile: String
        let server: TestServer
        let observer: ReloadObserver

        static func start() async throws -> Setup {
            let certificates = try await TestCertificates.shared()
            let live = try TempDirectory("sharewire-tls-reload")
            let certificateFile = live.file("live.pem")
            let keyFile = live.file("live.key")
            try TestCertificates.install(certificates.server, certificateFile: certificateFile, keyFile: keyFile)
            let observer = ReloadObserver()
            let server = try await TestServer.start { config in
                config.tls = ServerTLS(certificateChainFile: certificateFile, privateKeyFile: keyFile)
                config.observer = observer
            }
            return Setup(
                certificates: certificates, live: live, certificateFile: certificateFile, keyFile: keyFile,
                server: server, observer: observer)
        }

        func install(_ pair: TestCertificates.Pair) throws {
            try TestCertificates.install(pair, certificateFile: certificateFile, keyFile: keyFile)
        }

        func client(trusting caFile: String) -> RPCClient {
            server.client {
                $0.tls = ClientTLS(caFile: caFile)
                $0.connectTimeout = .seconds(5)
            }
        }

        func stop() async {
            await server.stop()
            live.remove()
        }
    }

    /// Shared by the load's tasks.
    final class Tally: Sendable {
        let done = Atomic<Bool>(false)
        let succeeded = EventCounter()
        let failures = Mutex<[String]>([])
    }

    static func echo(_ client: RPCClient, _ text: String = "x") async throws(RPCError) -> String {
        let reply = try await client.unary(
            Sharewire_V1.Diagnostics.Method.Echo.descriptor,
            EchoRequest(payload: Array(text.utf8)), responseType: EchoResponse.self)
        return String(decoding: reply.payload, as: UTF8.self)
    }

    @Test func newConnectionsGetTheNewCertificateWhileOpenOnesContinue() async throws {
        let setup = try await Setup.start()
        let before = try #require(setup.server.server.tlsCertificate)
        // Open before the reload, trusting only the first CA.
        let old = setup.client(trusting: setup.certificates.caFile)
        defer { old.close() }
        #expect(try await Self.echo(old, "before") == "before")

        // The renewal is signed by the other CA and valid for 30 days instead of 2.
        let renewal = try await setup.certificates.makeServer(name: "renewal", days: 30, otherCA: true)
        try setup.install(renewal)
        let summary = try setup.server.server.reloadTLS()
        let expected = Int(Date().timeIntervalSince1970) + 30 * 86_400
        #expect(abs(summary.notValidAfter - expected) < 600)
        #expect(summary.notValidAfter > before.notValidAfter + 20 * 86_400)
        #expect(setup.server.server.tlsCertificate == summary)
        #expect(setup.observer.loaded == [before, summary])

        // The open connection goes on with the certificate it verified.
        #expect(try await Self.echo(old, "after") == "after")
        // A new connection trusting only the first CA now meets the new certificate...
        let stale = setup.client(trusting: setup.certificates.caFile)
        defer { stale.close() }
        do {
            _ = try await Self.echo(stale)
            Issue.record("a new connection still got the old certificate")
        } catch {
            #expect(error.details.first?.reason == TransportSecurity.Reason.certificateUntrusted, "\(error)")
        }
        // ...which a client trusting its CA accepts.
        let renewed = setup.client(trusting: setup.certificates.otherCAFile)
        defer { renewed.close() }
        #expect(try await Self.echo(renewed, "new") == "new")
        await setup.stop()
    }

    @Test func aBadFileKeepsTheCertificateInUse() async throws {
        let setup = try await Setup.start()
        let before = try #require(setup.server.server.tlsCertificate)
        try "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"
            .write(toFile: setup.certificateFile, atomically: true, encoding: .utf8)
        #expect {
            try setup.server.server.reloadTLS()
        } throws: { error in
            "\(error)".contains(setup.certificateFile) && "\(error)".contains("no valid PEM certificate")
        }
        // A key that does not match the certificate is refused too.
        let other = try await setup.certificates.makeServer(name: "other", days: 2)
        try setup.install(TestCertificates.Pair(certificate: other.certificate, key: setup.certificates.server.key))
        #expect(throws: TLSSetupError.self) { try setup.server.server.reloadTLS() }
        #expect(setup.observer.failed.load(ordering: .relaxed) == 2)
        #expect(setup.server.server.tlsCertificate == before)
        // New connections still get the old certificate.
        let client = setup.client(trusting: setup.certificates.caFile)
        defer { client.close() }
        #expect(try await Self.echo(client, "still") == "still")
        await setup.stop()
    }

    /// Calls run on open connections and on connections opened throughout,
    /// while the certificate is reloaded ten times: every call succeeds.
    @Test func reloadsWhileCallsRunLoseNoCall() async throws {
        let setup = try await Setup.start()
        let renewals = [
            try await setup.certificates.makeServer(name: "renewal-a", days: 3),
            try await setup.certificates.makeServer(name: "renewal-b", days: 4),
        ]
        let caFile = setup.certificates.caFile
        let tally = Tally()
        let clients = (0..<4).map { _ in setup.client(trusting: caFile) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Four long-lived clients, each with 8 calls in flight at a time.
            for (worker, client) in clients.enumerated() {
                for lane in 0..<8 {
                    group.addTask {
                        var i = 0
                        while !tally.done.load(ordering: .relaxed), i < 100_000 {
                            do {
                                _ = try await Self.echo(client, "\(worker)-\(lane)-\(i)")
                                tally.succeeded.add()
                            } catch {
                                tally.failures.withLock { $0.append("\(error)") }
                            }
                            i += 1
                        }
                    }
                }
            }
            // A new client (a new TLS handshake) for each call.
            group.addTask {
                var i = 0
                while !tally.done.load(ordering: .relaxed), i < 10_000 {
                    let client = setup.client(trusting: caFile)
                    do {
                        _ = try await Self.echo(client, "fresh-\(i)")
                        tally.succeeded.add()
                    } catch {
                        tally.failures.withLock { $0.append("fresh: \(error)") }
                    }
                    client.close()
                    i += 1
                }
            }
            // Each reload waits for 20 more answered calls (at most 10 s),
            // so calls run across every one of them, however slow the
            // machine; and 20 more after the last one.
            func twentyMoreCalls() async {
                _ = await tally.succeeded.wait(atLeast: tally.succeeded.count + 20, timeout: .seconds(10))
            }
            for round in 0..<10 {
                await twentyMoreCalls()
                try setup.install(renewals[round % 2])
                try setup.server.server.reloadTLS()
            }
            await twentyMoreCalls()
            tally.done.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        for client in clients { client.close() }
        let failed = tally.failures.withLock { $0 }
        #expect(failed == [])
        #expect(tally.succeeded.count >= 200)
        #expect(setup.observer.loaded.count == 11)
        await setup.stop()
    }
}
