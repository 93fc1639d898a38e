import Foundation
import SharewireTestSupport
import Testing

/// `sharewired` reloads its TLS certificate on SIGHUP: the expiry gauge and
/// the reload counters on /metrics, the log lines, and a bad file that
/// keeps the certificate in use (docs/SERVER.md §1, "Certificate reload").
@Suite(.timeLimit(.minutes(2)))
struct CertificateReloadProcessTests {
    /// The value of the first sample of `name` (with its labels) on /metrics.
    static func sample(_ name: String, port: Int) async throws -> Double? {
        var http = try await HTTPTestConnection.connect(port: port)
        defer { Task { [sender = http.sender] in await sender.close() } }
        let body = try #require(try await http.get("/metrics")).body
        let line = body.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// Polls (at most 10 s) until `sample` of `name` satisfies `done`.
    static func waitFor(_ name: String, port: Int, _ done: (Double?) -> Bool) async throws -> Double? {
        var value = try await sample(name, port: port)
        for _ in 0..<200 where !done(value) {
            try await Task.sleep(for: .milliseconds(50))
            value = try await sample(name, port: port)
        }
        return value
    }

    /// `sharewired` with TLS on a copy of the 2-day server certificate
    /// (`live.pem`, `live.key` in `dir`) and its metrics port; also returns the log path.
    static func start(_ certificates: TestCertificates, in dir: TempDirectory, reloadCheckSeconds: Int) async throws
        -> (server: ServerProcess, certificate: String, key: String, log: String)
    {
        let (live, liveKey) = (dir.file("live.pem"), dir.file("live.key"))
        try TestCertificates.install(certificates.server, certificateFile: live, keyFile: liveKey)
        let log = dir.file("sharewired.log")
        let server = try await ServerProcess(
            arguments: [
                "--data-dir", dir.file("data"), "--tls-cert", live, "--tls-key", liveKey, "--metrics-port", "0",
                "--reload-check-seconds", String(reloadCheckSeconds),
            ],
            logTo: log)
        return (server, live, liveKey, log)
    }

    @Test func sighupReloadsTheCertificateAndABadFileKeepsTheOldOne() async throws {
        let certificates = try await TestCertificates.shared()
        let dir = try TempDirectory("sharewire-cert-reload")
        defer { dir.remove() }
        // Only SIGHUP reloads here: the counts are exact.
        let (server, live, liveKey, log) = try await Self.start(certificates, in: dir, reloadCheckSeconds: 0)
        defer { server.killIfRunning() }
        let port = try #require(server.metricsPort)
        let expiry = "sharewire_tls_certificate_not_after_seconds"
        let ok = "sharewire_tls_certificate_reloads_total{result=\"ok\"}"
        let failed = "sharewire_tls_certificate_reloads_total{result=\"failed\"}"

        // At start: the 2-day certificate.
        let now = Date().timeIntervalSince1970
        let first = try #require(try await Self.sample(expiry, port: port))
        #expect(abs(first - (now + 2 * 86_400)) < 600)

        // A 30-day renewal, then SIGHUP.
        try TestCertificates.install(
            try await certificates.makeServer(name: "renewal", days: 30), certificateFile: live, keyFile: liveKey)
        server.child.signal(SIGHUP)
        let renewed = try #require(try await Self.waitFor(expiry, port: port) { ($0 ?? 0) > first + 86_400 })
        #expect(abs(renewed - (now + 30 * 86_400)) < 600)
        #expect(try await Self.sample(ok, port: port) == 1)

        // Bad PEM: the reload fails, the expiry stays, the process serves on.
        try "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n"
            .write(toFile: live, atomically: true, encoding: .utf8)
        server.child.signal(SIGHUP)
        #expect(try await Self.waitFor(failed, port: port) { $0 == 1 } == 1)
        #expect(try await Self.sample(expiry, port: port) == renewed)
        #expect(try await Self.sample(ok, port: port) == 1)

        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("TLS certificate loaded"))
        #expect(text.contains("TLS certificate reloaded"))
        #expect(text.contains("TLS certificate reload failed; keeping the certificate in use"))
        #expect(try await server.stop(signal: SIGTERM) == 0)
    }

    /// With --reload-check-seconds, a renewed certificate is picked up with
    /// no signal, once its files have settled.
    @Test func aChangedCertificateFileIsReloadedWithoutASignal() async throws {
        let certificates = try await TestCertificates.shared()
        let dir = try TempDirectory("sharewire-cert-reload")
        defer { dir.remove() }
        let (server, live, liveKey, log) = try await Self.start(certificates, in: dir, reloadCheckSeconds: 1)
        defer { server.killIfRunning() }
        let port = try #require(server.metricsPort)
        let expiry = "sharewire_tls_certificate_not_after_seconds"
        let first = try #require(try await Self.sample(expiry, port: port))

        try TestCertificates.install(
            try await certificates.makeServer(name: "renewal", days: 30), certificateFile: live, keyFile: liveKey)
        let renewed = try #require(try await Self.waitFor(expiry, port: port) { ($0 ?? 0) > first + 86_400 })
        #expect(abs(renewed - (Date().timeIntervalSince1970 + 30 * 86_400)) < 600)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("reloading service keys and TLS files"), "\(text)")
        #expect(text.contains("live.pem"), "\(text)")
        #expect(try await server.stop(signal: SIGTERM) == 0)
    }
}
