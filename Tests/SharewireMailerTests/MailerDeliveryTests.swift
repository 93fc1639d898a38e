import Foundation
import SharewireClient
import SharewireTestSupport
import Testing

/// The real thing end to end: `sharewired`, `sharewire-mailer` and an SMTP
/// server (tools/smtp-sink, Debian's python3-aiosmtpd), all child processes
/// on loopback, stopped by PID. Messages are read back with Python's
/// `email` package, independently of the Swift encoder.
@Suite(.serialized) struct MailerDeliveryTests {
    static let serviceKey = "mailer-tests-service-key-7c1e9a2b4d6f80351"

    static func mailerBinary() throws -> String {
        try builtBinary(named: "sharewire-mailer", environmentVariable: "SHAREWIRE_MAILER_BIN")
    }

    func startMailer(dir: TempDirectory, server: ServerProcess, sink: SMTPSink, log: String) throws -> ChildProcess {
        try ChildProcess(try Self.mailerBinary(), [
            "--address", "127.0.0.1:\(server.port)", "--consumer", "mailer",
            "--smtp-host", "127.0.0.1", "--smtp-port", "\(sink.port)", "--smtp-tls", "none",
            "--from", "noreply@sharewire.test", "--from-name", "Sharewire",
            "--retry-initial-ms", "50", "--retry-max-seconds", "1", "--hostname", "mailer.test",
        ], environment: ["SHAREWIRE_SERVICE_KEY": Self.serviceKey], logTo: dir.file(log))
    }

    @Test func deliversInTheRecipientsLanguageRetriesSkipsAndResumes() async throws {
        let dir = try TempDirectory("sharewire-mailer-test")
        defer { dir.remove() }
        // 451 once for grey (then accepted); 550 always for gone.
        let sink = try await SMTPSink.start(in: dir.file("sink"), arguments: [
            "--reject", "grey@example.com=451x1", "--reject", "gone@example.com=550"])
        defer { sink.child.killIfRunning() }
        let server = try await ServerProcess(arguments: ["--data-dir", dir.file("data")],
                                             environment: ["SHAREWIRE_SERVICE_KEY": Self.serviceKey],
                                             logTo: dir.file("sharewired.log"))
        defer { server.killIfRunning() }

        let admin = SharewireClient(configuration: .init(endpoint: Endpoint("127.0.0.1:\(server.port)")!,
                                                         credentials: .serviceKey(Self.serviceKey)))
        defer { admin.close() }
        _ = try await admin.createAccount(email: "alice@example.com", language: .en)
        _ = try await admin.createAccount(email: "bob@example.com", language: .en)
        _ = try await admin.createAccount(email: "carol@example.jp", language: .ja)
        _ = try await admin.createAccount(email: "grey@example.com", language: .en)
        _ = try await admin.createAccount(email: "gone@example.com", language: .en)
        let alice = admin.acting(as: "alice@example.com")
        for (email, language) in [("bob@example.com", Language.en), ("carol@example.jp", .ja),
                                  ("grey@example.com", .en), ("gone@example.com", .en)] {
            _ = try await alice.createContact(email: email, language: language)
        }
        let pi = try await alice.registerDevice(name: "Home Pi", services: [.init(name: "ssh", port: 22, protocol: "ssh")])
        _ = try await alice.share(devices: [pi.id], with: ["bob@example.com", "carol@example.jp"], access: .all)
        _ = try await alice.share(devices: [pi.id], with: ["gone@example.com"], access: .all)
        _ = try await alice.share(devices: [pi.id], with: ["grey@example.com"], access: .all)

        // What the outbox holds, read with a consumer of its own.
        var outbox: [OutboxNotification] = []
        for try await n in admin.watchNotifications(consumer: "test-audit", options: .timeout(.seconds(20))) {
            outbox.append(n)
            if outbox.count == 4 { break }
        }
        #expect(outbox.map(\.recipientEmail) == ["bob@example.com", "carol@example.jp", "gone@example.com", "grey@example.com"])

        let mailer = try startMailer(dir: dir, server: server, sink: sink, log: "mailer-1.log")
        defer { mailer.killIfRunning() }
        try await waitUntil("3 delivered messages and gone skipped") {
            sink.messageFiles().count >= 3 && mailer.log.contains("delivery refused permanently; skipped")
        }
        try await waitUntil("the mailer's cursor at the last notification") {
            mailer.log.contains("sequence=\(outbox[3].sequence)") && mailer.log.contains("sent")
        }
        let mails = try await ParsedMail.parseAll(sink.messageFiles())
        #expect(mails.map(\.envelopeTo) == [["bob@example.com"], ["carol@example.jp"], ["grey@example.com"]])
        for (mail, n) in zip(mails, [outbox[0], outbox[1], outbox[3]]) {
            #expect(mail.defects.isEmpty)
            #expect(mail.subject == n.subject)  // RFC 2047 words decode to the exact text
            #expect(mail.body.hasPrefix(n.body + "\n\n-- \n"))
            #expect(mail.to == n.recipientEmail)
            #expect(mail.from == "Sharewire <noreply@sharewire.test>")
            #expect(mail.envelopeFrom == "noreply@sharewire.test")
            #expect(mail.messageID == "<notification-\(n.sequence)@sharewire.test>")
            #expect(mail.contentType == "text/plain")
            #expect(mail.charset == "utf-8")
            #expect(mail.contentLanguage == n.language.rawValue)
            #expect(mail.autoSubmitted == "auto-generated")
            #expect(!mail.date.isEmpty)
        }
        // English for bob, Japanese for carol, decoded from the wire.
        #expect(mails[0].subject == "alice@example.com shared a device with you")
        #expect(mails[0].body.contains("This message was sent automatically by Sharewire."))
        #expect(mails[1].contentLanguage == "ja")
        #expect(mails[1].subject.contains("alice@example.com"))
        #expect(mails[1].body.contains("「Home Pi」"))
        #expect(mails[1].body.contains("このメールはSharewireから自動送信されています。"))
        #expect(mails[0].transferEncoding == "quoted-printable")
        #expect(mails[1].transferEncoding == "base64")
        // 451 then accepted: retried, delivered once. 550: logged and skipped, the queue went on.
        #expect(sink.rejections == ["550 gone@example.com", "451 grey@example.com"])
        #expect(mailer.log.contains("delivery failed for now; retrying"))
        #expect(mails.filter { $0.envelopeTo == ["grey@example.com"] }.count == 1)

        // SIGTERM: a clean stop with everything acknowledged under its own consumer.
        #expect(try await mailer.stop(signal: SIGTERM) == 0)
        #expect(mailer.log.contains("sent=3") && mailer.log.contains("skipped=1"))
        #expect(try await admin.ackNotifications(through: 0, consumer: "mailer") == outbox[3].sequence)
        #expect(try await admin.ackNotifications(through: 0) == 0)  // the default consumer is untouched

        // Restart: resumes after its cursor, sends only what is new.
        _ = try await alice.removeShares(devices: [pi.id], from: ["carol@example.jp"])
        let again = try startMailer(dir: dir, server: server, sink: sink, log: "mailer-2.log")
        defer { again.killIfRunning() }
        try await waitUntil("the removal notice") { sink.messageFiles().count >= 4 }
        try await waitUntil("the restarted mailer to acknowledge it") {
            again.log.contains("sent") && again.log.contains("sequence=\(outbox[3].sequence + 1)")
        }
        #expect(try await again.stop(signal: SIGTERM) == 0)
        let all = try await ParsedMail.parseAll(sink.messageFiles())
        #expect(all.count == 4)
        #expect(Set(all.map(\.messageID)).count == 4)  // nothing sent twice
        #expect(all[3].envelopeTo == ["carol@example.jp"] && all[3].contentLanguage == "ja")
        #expect(again.log.contains("sent=1"))
        #expect(try await admin.ackNotifications(through: 0, consumer: "mailer") == outbox[3].sequence + 1)

        #expect(try await sink.child.stop(signal: SIGTERM) == 0)
        _ = try await server.stop(signal: SIGTERM)
    }

    /// kill -9 mid-batch loses nothing: every notification is delivered at
    /// least once after a restart, and at most the one in flight twice.
    @Test func killNineMidBatchLosesNothing() async throws {
        let dir = try TempDirectory("sharewire-mailer-kill")
        defer { dir.remove() }
        let sink = try await SMTPSink.start(in: dir.file("sink"))
        defer { sink.child.killIfRunning() }
        let server = try await ServerProcess(arguments: ["--data-dir", dir.file("data")],
                                             environment: ["SHAREWIRE_SERVICE_KEY": Self.serviceKey],
                                             logTo: dir.file("sharewired.log"))
        defer { server.killIfRunning() }
        let admin = SharewireClient(configuration: .init(endpoint: Endpoint("127.0.0.1:\(server.port)")!,
                                                         credentials: .serviceKey(Self.serviceKey)))
        defer { admin.close() }
        _ = try await admin.createAccount(email: "owner@example.com", language: .en)
        let owner = admin.acting(as: "owner@example.com")
        let count = 40
        for i in 0..<count {
            _ = try await owner.createContact(email: "guest\(i)@example.com", language: i % 2 == 0 ? .en : .ja)
            _ = try await owner.inviteContact(email: "guest\(i)@example.com")
        }
        let first = try startMailer(dir: dir, server: server, sink: sink, log: "mailer-1.log")
        defer { first.killIfRunning() }
        try await waitUntil("a few messages") { sink.messageFiles().count >= 5 }
        #expect(try await first.stop(signal: SIGKILL) == SIGKILL)
        let delivered = sink.messageFiles().count
        let second = try startMailer(dir: dir, server: server, sink: sink, log: "mailer-2.log")
        defer { second.killIfRunning() }
        try await waitUntil("every invite") {
            Set(try sink.messageFiles().map { try String(contentsOfFile: $0, encoding: .utf8) }
                .compactMap { $0.split(separator: "\r\n").first { $0.hasPrefix("Message-ID:") } }).count == count
        }
        #expect(try await second.stop(signal: SIGTERM) == 0)
        let ids = try await ParsedMail.parseAll(sink.messageFiles()).map(\.messageID)
        #expect(Set(ids).count == count)  // none lost
        #expect(ids.count - count <= 1, "duplicates: \(ids.count - count)")  // at most the one in flight
        #expect(delivered < count)  // the kill really was mid-batch
        print("kill -9 after \(delivered) of \(count) messages; \(ids.count - count) sent twice after the restart")
        #expect(try await admin.ackNotifications(through: 0, consumer: "mailer") == UInt64(count))
        _ = try await server.stop(signal: SIGTERM)
    }
}
