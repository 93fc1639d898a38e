import Foundation
import NIOSSL
import SharewireSMTP
import SharewireTestSupport
import Testing

/// The SMTP client's NIO glue against a real SMTP server (tools/smtp-sink,
/// aiosmtpd): plain, STARTTLS with a test CA, refusals.
@Suite struct SMTPClientLiveTests {
    static let envelope = SMTPEnvelope(from: "noreply@sharewire.test", recipients: ["bob@example.com"])
    static let message = Array(
        "Subject: live\r\nFrom: noreply@sharewire.test\r\nTo: bob@example.com\r\n\r\nHello\r\n.leading dot\r\n".utf8)

    func withSink(_ arguments: [String] = [], _ body: (SMTPSink) async throws -> Void) async throws {
        let dir = try TempDirectory("sharewire-smtp-live")
        defer { dir.remove() }
        let sink = try await SMTPSink.start(in: dir.file("sink"), arguments: arguments)
        defer { sink.child.killIfRunning() }
        try await body(sink)
        #expect(try await sink.child.stop(signal: SIGTERM).status == 0)
    }

    @Test func deliversOverPlainTextWithDotStuffing() async throws {
        try await withSink { sink in
            let client = SMTPClient(
                configuration: SMTPConfiguration(
                    host: "127.0.0.1", port: sink.port, tls: .none,
                    timeout: .seconds(10)))
            try await client.send(Self.message, envelope: Self.envelope)
            let files = sink.messageFiles()
            #expect(files.count == 1)
            let text = try String(contentsOfFile: files[0], encoding: .utf8)
            #expect(text.contains("Hello\r\n.leading dot"))  // the server undid the stuffing
        }
    }

    @Test func startTLSWithATestCertificate() async throws {
        let certificates = try await TestCertificates.shared()
        try await withSink(["--tls-cert", certificates.server.certificate, "--tls-key", certificates.server.key]) {
            sink in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(certificates.caFile)
            let client = SMTPClient(
                configuration: SMTPConfiguration(
                    host: "127.0.0.1", port: sink.port, tls: .startTLS,
                    tlsConfiguration: tls, timeout: .seconds(10)))
            try await client.send(Self.message, envelope: Self.envelope)
            #expect(sink.messageFiles().count == 1)

            // A certificate the client does not trust: nothing is sent.
            let untrusting = SMTPClient(
                configuration: SMTPConfiguration(
                    host: "127.0.0.1", port: sink.port,
                    tls: .startTLS, timeout: .seconds(10)))
            await #expect(throws: SMTPError.self) { try await untrusting.send(Self.message, envelope: Self.envelope) }
            #expect(sink.messageFiles().count == 1)
        }
    }

    @Test func requiredStartTLSIsRefusedByAServerWithoutIt() async throws {
        try await withSink { sink in
            let client = SMTPClient(
                configuration: SMTPConfiguration(
                    host: "127.0.0.1", port: sink.port, tls: .startTLS,
                    timeout: .seconds(10)))
            do throws(SMTPError) {
                try await client.send(Self.message, envelope: Self.envelope)
                Issue.record("sent without TLS")
            } catch {
                guard case .unsupported = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(!error.isTransient)
            }
            #expect(sink.messageFiles().isEmpty)
        }
    }

    @Test func refusalsAreTypedTransientOrPermanent() async throws {
        try await withSink(["--reject", "grey@example.com=451", "--reject", "gone@example.com=550"]) { sink in
            let client = SMTPClient(
                configuration: SMTPConfiguration(
                    host: "127.0.0.1", port: sink.port, tls: .none,
                    timeout: .seconds(10)))
            do throws(SMTPError) {
                try await client.send(
                    Self.message, envelope: SMTPEnvelope(from: "a@sharewire.test", recipients: ["grey@example.com"]))
                Issue.record("451 was taken as success")
            } catch {
                guard case let .transient(stage, reply) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(stage == .rcptTo && reply.code == 451 && error.isTransient)
            }
            do throws(SMTPError) {
                try await client.send(
                    Self.message, envelope: SMTPEnvelope(from: "a@sharewire.test", recipients: ["gone@example.com"]))
                Issue.record("550 was taken as success")
            } catch {
                guard case let .permanent(stage, reply) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(stage == .rcptTo && reply.code == 550 && !error.isTransient)
            }
            // Nothing listening: a transient connection error.
            let closed = SMTPClient(
                configuration: SMTPConfiguration(host: "127.0.0.1", port: 1, tls: .none, timeout: .seconds(5)))
            do throws(SMTPError) {
                try await closed.send(Self.message, envelope: Self.envelope)
            } catch {
                guard case .connection = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(error.isTransient)
            }
            #expect(sink.messageFiles().isEmpty)
        }
    }
}
