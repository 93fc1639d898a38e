import Foundation
import SharewireTestSupport
import Testing

/// The CLI over TLS against a real `sharewired` serving mutual TLS: TLS
/// settings from the environment and the config file, a trusted service
/// certificate standing in for the service key, and errors that say what
/// failed, with a hint, in the CLI's usual style.
@Suite(.timeLimit(.minutes(3)))
struct TLSCLITests {
    @Test func cliOverMutualTLS() async throws {
        let certificates = try await TestCertificates.shared()
        let dir = try TempDirectory("sharewire-cli-tls")
        defer { dir.remove() }
        let server = try await ServerProcess(
            arguments: [
                "--data-dir", dir.file("data"), "--drain-grace-seconds", "5",
                "--tls-cert", certificates.server.certificate, "--tls-key", certificates.server.key,
                "--tls-client-ca", certificates.caFile, "--trusted-service", TestCertificates.trustedServiceName,
            ],
            logTo: dir.file("sharewired.log"))
        defer { server.killIfRunning() }
        let cli = try CLI(address: "127.0.0.1:\(server.port)")
        defer { cli.dir.remove() }

        // The trusted service certificate, from the environment, is the service: no key anywhere.
        let service = [
            "SHAREWIRE_TLS_CA_FILE": certificates.caFile,
            "SHAREWIRE_TLS_CERT_FILE": certificates.trustedClient.certificate,
            "SHAREWIRE_TLS_KEY_FILE": certificates.trustedClient.key,
        ]
        let created = try await cli.run("admin accounts create tess@example.com --key-only", env: service)
        #expect(created.status == 0, "\(created)")
        let key = created.out
        #expect(key.hasPrefix("sw_"))
        let actingAs = try await cli.run("whoami --act-as tess@example.com", env: service)
        #expect(actingAs.status == 0 && actingAs.stdout.contains("tess@example.com"), "\(actingAs)")

        // TLS from the config file, an API key and a certificate off the allow-list.
        let config = cli.dir.file("config.toml")
        try """
        tls = true
        tls_ca_file = "\(certificates.caFile)"
        tls_cert_file = "\(certificates.plainClient.certificate)"
        tls_key_file = "\(certificates.plainClient.key)"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let byConfig = ["SHAREWIRE_CONFIG": config, "SHAREWIRE_API_KEY": key]
        let whoami = try await cli.run(["whoami"], env: byConfig)
        #expect(whoami.status == 0 && whoami.stdout.contains("tess@example.com"), "\(whoami)")
        let shown = try await cli.run(["config", "show"], env: byConfig)
        #expect(shown.stdout.contains("on (CA \(certificates.caFile), client certificate"), "\(shown)")

        func expectFailure(
            _ arguments: [String], env: [String: String], mentions: [String],
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let clock = ContinuousClock()
            let started = clock.now
            let result = try await cli.run(arguments, env: env, timeout: .seconds(30))
            #expect(result.status == 10, "\(arguments): \(result)", sourceLocation: sourceLocation)
            for text in mentions {
                #expect(
                    result.stderr.contains(text), "should mention \(text): \(result)", sourceLocation: sourceLocation)
            }
            #expect(result.hasNoCrashOutput, sourceLocation: sourceLocation)
            #expect(clock.now - started < .seconds(10), sourceLocation: sourceLocation)
        }
        let apiKey = ["SHAREWIRE_API_KEY": key]
        // Plaintext client against the TLS port.
        try await expectFailure(["whoami"], env: apiKey, mentions: ["requires TLS", "TLS_REQUIRED", "hint: ", "--tls"])
        // The system's trust store does not know the test CA.
        try await expectFailure(
            ["whoami", "--tls"], env: apiKey,
            mentions: ["not signed by a trusted CA", "TLS_CERTIFICATE_UNTRUSTED", "--tls-ca-file"])
        // A certificate from a CA the server does not trust.
        try await expectFailure(
            [
                "whoami", "--tls-ca-file", certificates.caFile,
                "--tls-cert", certificates.otherCAClient.certificate,
                "--tls-key", certificates.otherCAClient.key,
            ],
            env: apiKey, mentions: ["refused this client's certificate", "TLS_CLIENT_CERTIFICATE_REJECTED"])
        _ = try await server.stop(signal: SIGTERM, timeout: .seconds(20))
    }

    @Test func tlsClientAgainstAPlaintextServer() async throws {
        try await CLIServer.with { server in
            let cli = try CLI(address: server.address)
            defer { cli.dir.remove() }
            let result = try await cli.run(["status", "--tls"], timeout: .seconds(30))
            #expect(result.status == 10, "\(result)")
            #expect(result.stderr.contains("does not speak TLS"), "\(result)")
            #expect(result.stderr.contains("TLS_NOT_SPOKEN_BY_SERVER"), "\(result)")
        }
    }
}
