import Foundation
import SharewireSMTP
import SharewireTestSupport
import Testing

@testable import SharewireMailer

/// `--sendmail` against a real sendmail-compatible MTA: Debian's msmtp,
/// relaying to tools/smtp-sink. Its exit statuses (sysexits.h) decide
/// retry or dead letter, as postfix's and exim's do.
@Suite struct SendmailTransportTests {
    static let msmtp = "/usr/bin/msmtp"

    func transport(_ sink: SMTPSink) -> SendmailTransport {
        SendmailTransport(
            executable: Self.msmtp,
            arguments: ["--host=127.0.0.1", "--port=\(sink.port)", "--tls=off", "--auth=off"],
            timeout: .seconds(30))
    }

    static func message(to: String) -> [UInt8] {
        MailMessage(
            from: MailAddress("noreply@sharewire.test"), to: [MailAddress(to)], subject: "共有のお知らせ",
            body: "本文\n.a line starting with a dot\n", html: "<p>本文</p>", dateMilliseconds: 0,
            messageID: "notification-1@sharewire.test"
        ).rendered()
    }

    @Test func deliversThroughTheMTAAndMapsItsExitStatuses() async throws {
        let dir = try TempDirectory("sharewire-sendmail")
        defer { dir.remove() }
        let sink = try await SMTPSink.start(
            in: dir.file("sink"),
            arguments: [
                "--reject", "gone@example.com=550", "--reject", "grey@example.com=451",
            ])
        defer { sink.child.killIfRunning() }
        let mta = transport(sink)

        try await mta.send(
            Self.message(to: "bob@example.jp"),
            envelope: SMTPEnvelope(from: "noreply@sharewire.test", recipients: ["bob@example.jp"]))
        let files = sink.messageFiles()
        #expect(files.count == 1)
        let mail = try await ParsedMail.parse(files[0])
        #expect(mail.envelopeFrom == "noreply@sharewire.test" && mail.envelopeTo == ["bob@example.jp"])
        #expect(mail.subject == "共有のお知らせ")
        #expect(mail.body.hasPrefix("本文\n.a line starting with a dot\n"))  // -i: a dot line is not the end
        #expect(mail.partTypes == ["text/plain", "text/html"])
        #expect(mail.defects.isEmpty)

        do {
            try await mta.send(
                Self.message(to: "gone@example.com"),
                envelope: SMTPEnvelope(from: "noreply@sharewire.test", recipients: ["gone@example.com"]))
            Issue.record("a 550 was accepted")
        } catch {
            #expect(!error.isTransient, "\(error)")  // msmtp: EX_DATAERR
            #expect(error.description.contains("550"))
        }
        do {
            try await mta.send(
                Self.message(to: "grey@example.com"),
                envelope: SMTPEnvelope(from: "noreply@sharewire.test", recipients: ["grey@example.com"]))
            Issue.record("a 451 was accepted")
        } catch {
            #expect(error.isTransient, "\(error)")  // msmtp: EX_UNAVAILABLE
        }
        #expect(sink.messageFiles().count == 1)
    }

    @Test func aStuckMTAIsKilledAndRetriedAndAMissingOneIsRefused() async throws {
        let dir = try TempDirectory("sharewire-sendmail-stuck")
        defer { dir.remove() }
        // A shell that ignores its sendmail arguments and hangs (no script file: one
        // written and executed at once can fail with ETXTBSY if another test forks meanwhile).
        let stuck = SendmailTransport(
            executable: "/bin/sh", arguments: ["-c", "exec sleep 30"],
            timeout: .milliseconds(300))
        let envelope = SMTPEnvelope(from: "a@example.com", recipients: ["b@example.com"])
        let start = ContinuousClock.now
        await #expect(throws: SMTPError.localMTA(status: -1, output: "killed by signal 9")) {
            try await stuck.send(Self.message(to: "b@example.com"), envelope: envelope)
        }
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(SMTPError.localMTA(status: -1, output: "").isTransient)

        let missing = SendmailTransport(executable: dir.file("no-such-sendmail"))
        do {
            try await missing.send(Self.message(to: "b@example.com"), envelope: envelope)
            Issue.record("a missing program delivered")
        } catch {
            #expect(!error.isTransient)
        }
        // Envelope addresses that could be read as options or inject commands never reach the MTA.
        await #expect(throws: SMTPError.self) {
            try await stuck.send([], envelope: SMTPEnvelope(from: "a@example.com", recipients: ["b@x.test\n-oQ/tmp"]))
        }
    }

    @Test func lineEndsBecomeLocal() {
        #expect(SendmailTransport.localLineEnds(Array("a\r\nb\r\n\r\nc\rd".utf8)) == Array("a\nb\n\nc\rd".utf8))
    }
}
