import SharewireClient
import SharewireTestSupport
import Testing

/// `SharewireClient` against a real `sharewired` serving mutual TLS: a
/// trusted service certificate acts as the service with no key, other
/// certificates authenticate nothing by themselves, and TLS failures are
/// typed, named and not retried.
@Suite(.timeLimit(.minutes(3)))
struct TLSClientTests {
    static let service = TestCertificates.trustedServiceName

    static func serverArguments(_ certificates: TestCertificates) -> [String] {
        [
            "--tls-cert", certificates.server.certificate, "--tls-key", certificates.server.key,
            "--tls-client-ca", certificates.caFile, "--trusted-service", service,
        ]
    }

    static func client(_ server: LiveServer, _ credentials: Credentials, tls: TLSSettings?) -> SharewireClient {
        var configuration = SharewireClient.Configuration(endpoint: server.endpoint, credentials: credentials)
        configuration.defaultTimeout = .seconds(20)
        configuration.tls = tls
        return SharewireClient(configuration: configuration)
    }

    static func tls(_ certificates: TestCertificates, _ pair: TestCertificates.Pair?) -> TLSSettings {
        TLSSettings(
            trust: .caFile(certificates.caFile),
            clientCertificate: pair.map { .init(certificateFile: $0.certificate, keyFile: $0.key) })
    }

    @Test func trustedServiceCertificateActsAsTheServiceWithoutAKey() async throws {
        let certificates = try await TestCertificates.shared()
        try await LiveServer.with(Self.serverArguments(certificates)) { server in
            let backend = Self.client(
                server, .clientCertificate(), tls: Self.tls(certificates, certificates.trustedClient))
            defer { backend.close() }
            // Service-only: account creation, then act-as like the service key.
            let created = try await backend.createAccount(email: "alice@example.com")
            #expect(try await backend.acting(as: "alice@example.com").whoami().id == created.account.id)
            let device = try await backend.acting(as: created.account.id).registerDevice(name: "pi")
            #expect(try await backend.check(user: created.account.id, device: device.id, port: 22) == false)

            // A certificate off the allow-list authenticates nothing by itself…
            let plain = Self.client(
                server, .clientCertificate(actingAs: "alice@example.com"),
                tls: Self.tls(certificates, certificates.plainClient))
            defer { plain.close() }
            do throws(SharewireError) {
                _ = try await plain.whoami()
                Issue.record("a certificate off the allow-list acted as the service")
            } catch {
                #expect(error.code == .unauthenticated, "\(error)")
            }
            // …but still carries an API key.
            let alice = plain.with(credentials: .apiKey(created.apiKey))
            #expect(try await alice.whoami().email == "alice@example.com")
            // An account key may not act as anyone, trusted certificate or not.
            let sneaky = Self.client(
                server, .apiKey(created.apiKey), tls: Self.tls(certificates, certificates.trustedClient)
            )
            .acting(as: "bob@example.com")
            defer { sneaky.close() }
            do throws(SharewireError) {
                _ = try await sneaky.whoami()
                Issue.record("an API key acted for another account")
            } catch {
                #expect(error.code == .permissionDenied || error.code == .unauthenticated, "\(error)")
            }
        }
    }

    @Test func tlsFailuresAreTypedAndNotRetried() async throws {
        let certificates = try await TestCertificates.shared()
        try await LiveServer.with(Self.serverArguments(certificates)) { server in
            func failure(_ tls: TLSSettings?) async -> SharewireError? {
                let client = Self.client(server, .clientCertificate(), tls: tls)
                defer { client.close() }
                do throws(SharewireError) {
                    _ = try await client.createAccount(email: "x@example.com")
                    return nil
                } catch {
                    return error
                }
            }
            let untrusted = await failure(TLSSettings(trust: .system))
            #expect(untrusted?.reason == .tlsCertificateUntrusted, "\(String(describing: untrusted))")
            #expect(untrusted?.code == .unavailable && untrusted?.attempts == 1)
            let otherCA = await failure(Self.tls(certificates, certificates.otherCAClient))
            #expect(otherCA?.reason == .tlsClientCertificateRejected, "\(String(describing: otherCA))")
            let plaintext = await failure(nil)
            #expect(plaintext?.reason == .tlsRequired, "\(String(describing: plaintext))")
            #expect(plaintext?.message.contains("requires TLS") == true)
        }
    }
}
