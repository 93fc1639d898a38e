import Foundation
import SharewireClient
import SharewireMailer
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

    /// Runs a one-shot `sharewire-mailer` subcommand; its exit status and output.
    func runMailerCommand(_ arguments: [String], dir: TempDirectory) async throws -> (status: Int32, output: String) {
        let log = dir.file("command-\(UUID().uuidString).log")
        let child = try ChildProcess.logging(try Self.mailerBinary(), arguments, to: log)
        let exit = try await child.exit(within: .seconds(60))
        return (exit.status, child.log)
    }

    func startMailer(
        dir: TempDirectory, server: ServerProcess, sink: SMTPSink, log: String,
        extra: [String] = []
    ) throws -> ChildProcess {
        try ChildProcess.logging(
            try Self.mailerBinary(),
            extra + [
                "--address", "127.0.0.1:\(server.port)", "--consumer", "mailer",
                "--smtp-host", "127.0.0.1", "--smtp-port", "\(sink.port)", "--smtp-tls", "none",
                "--from", "noreply@sharewire.test", "--from-name", "Sharewire",
                "--retry-initial-ms", "50", "--retry-max-seconds", "1", "--hostname", "mailer.test",
                "--dead-letter-dir", dir.file("dead-letters"),
            ], environment: ["SHAREWIRE_SERVICE_KEY": Self.serviceKey], to: dir.file(log))
    }

    @Test func deliversInTheRecipientsLanguageRetriesSkipsAndResumes() async throws {
        let dir = try TempDirectory("sharewire-mailer-test")
        defer { dir.remove() }
        // 451 once for grey (then accepted); 550 once for gone (dead-lettered, then retried by hand).
        let sink = try await SMTPSink.start(
            in: dir.file("sink"),
            arguments: [
                "--reject", "grey@example.com=451x1", "--reject", "gone@example.com=550x1",
            ])
        defer { sink.child.killIfRunning() }
        let server = try await ServerProcess(
            arguments: ["--data-dir", dir.file("data")],
            environment: ["SHAREWIRE_SERVICE_KEY": Self.serviceKey],
            logTo: dir.file("sharewired.log"))
        defer { server.killIfRunning() }

        let admin = SharewireClient(
            configuration: .init(
                endpoint: Endpoint("127.0.0.1:\(server.port)")!,
                credentials: .serviceKey(Self.serviceKey)))
        defer { admin.close() }
        _ = try await admin.createAccount(email: "alice@example.com", language: .en)
        _ = try await admin.createAccount(email: "bob@example.com", language: .en)
        _ = try await admin.createAccount(email: "carol@example.jp", language: .ja)
        _ = try await admin.createAccount(email: "grey@example.com", language: .en)
        _ = try await admin.createAccount(email: "gone@example.com", language: .en)
        let alice = admin.acting(as: "alice@example.com")
        for (email, language) in [
            ("bob@example.com", Language.en), ("carol@example.jp", .ja),
            ("grey@example.com", .en), ("gone@example.com", .en),
        ] {
            _ = try await alice.createContact(email: email, language: language)
        }
        let pi = try await alice.registerDevice(
            name: "Home Pi", services: [.init(name: "ssh", port: 22, protocol: "ssh")])
        _ = try await alice.share(devices: [pi.id], with: ["bob@example.com", "carol@example.jp"], access: .all)
        _ = try await alice.share(devices: [pi.id], with: ["gone@example.com"], access: .all)
        _ = try await alice.share(devices: [pi.id], with: ["grey@example.com"], access: .all)

        // What the outbox holds, read with a consumer of its own.
        var outbox: [OutboxNotification] = []
        for try await n in admin.watchNotifications(consumer: "test-audit", options: .timeout(.seconds(20))) {
            outbox.append(n)
            if outbox.count == 4 { break }
        }
        #expect(
            outbox.map(\.recipientEmail) == [
                "bob@example.com", "carol@example.jp", "gone@example.com", "grey@example.com",
            ])

        let mailer = try startMailer(
            dir: dir, server: server, sink: sink, log: "mailer-1.log",
            extra: ["--metrics-port", "0"])
        defer { mailer.killIfRunning() }
        try await waitUntil("3 delivered messages and gone skipped") {
            sink.messageFiles().count >= 3 && mailer.log.contains("delivery refused permanently; dead-lettered")
        }
        try await waitUntil("the mailer's cursor at the last notification") {
            mailer.log.contains("sequence=\(outbox[3].sequence)") && mailer.log.contains("sent")
        }
        // Several are sent at once: compare in sequence order.
        let mails = try await ParsedMail.parseAll(sink.messageFiles()).sorted { $0.sequence < $1.sequence }
        #expect(mails.map(\.envelopeTo) == [["bob@example.com"], ["carol@example.jp"], ["grey@example.com"]])
        for (mail, n) in zip(mails, [outbox[0], outbox[1], outbox[3]]) {
            #expect(mail.defects.isEmpty)
            #expect(mail.subject == n.subject)  // RFC 2047 words decode to the exact text
            #expect(mail.body.hasPrefix(n.body + "\n\n-- \n"))
            #expect(mail.to == n.recipientEmail)
            #expect(mail.from == "Sharewire <noreply@sharewire.test>")
            #expect(mail.envelopeFrom == "noreply@sharewire.test")
            #expect(mail.messageID == "<notification-\(n.sequence)@sharewire.test>")
            #expect(mail.contentType == "multipart/alternative")
            #expect(mail.partTypes == ["text/plain", "text/html"])
            #expect(mail.html.contains("<html lang=\"\(n.language.rawValue)\">"))
            #expect(mail.html.contains(NotificationHTML.escape(n.body)))
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
        #expect(Set(sink.rejections) == ["550 gone@example.com", "451 grey@example.com"])
        #expect(mailer.log.contains("delivery failed for now; retrying"))
        #expect(mails.filter { $0.envelopeTo == ["grey@example.com"] }.count == 1)

        // The metrics endpoint tells the same story.
        let metricsPort = try #require(HTTPGet.port(fromLog: mailer.log))
        // The last acknowledgement may still be on its way.
        try await waitUntil("the cursor gauge at the last notification", timeout: .seconds(10)) {
            try await HTTPGet.fetch(port: metricsPort, path: "/metrics").body
                .contains("sharewire_mailer_acknowledged_sequence \(outbox[3].sequence)")
        }
        let metrics = try await HTTPGet.fetch(port: metricsPort, path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("sharewire_mailer_sent_total 3"), "\(metrics.body)")
        #expect(metrics.body.contains("sharewire_mailer_dead_lettered_total 1"))
        #expect(metrics.body.contains("sharewire_mailer_retried_total 1"))
        #expect(metrics.body.contains("sharewire_mailer_delivery_lag_seconds_count 3"))
        #expect(try await HTTPGet.fetch(port: metricsPort, path: "/readyz").status == 200)

        // SIGTERM: a clean stop with everything acknowledged under its own consumer.
        #expect(try await mailer.stop(signal: SIGTERM).status == 0)
        #expect(mailer.log.contains("sent=3") && mailer.log.contains("dead_lettered=1"))
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
        #expect(try await again.stop(signal: SIGTERM).status == 0)
        let all = try await ParsedMail.parseAll(sink.messageFiles()).sorted { $0.sequence < $1.sequence }
        #expect(all.count == 4)
        #expect(Set(all.map(\.messageID)).count == 4)  // nothing sent twice
        #expect(all[3].envelopeTo == ["carol@example.jp"] && all[3].contentLanguage == "ja")
        #expect(again.log.contains("sent=1"))
        #expect(try await admin.ackNotifications(through: 0, consumer: "mailer") == outbox[3].sequence + 1)

        // The 550 was kept as a dead letter: listed, then retried by hand once the cause is gone.
        let deadLetters = ["--dead-letter-dir", dir.file("dead-letters")]
        let listed = try await runMailerCommand(["dead-letters", "list", "--json"] + deadLetters, dir: dir)
        #expect(listed.status == 0)
        let records = listed.output.split(separator: "\n").map(String.init)
        #expect(records.count == 1)
        #expect(records.first?.contains("\"sequence\":\(outbox[2].sequence)") == true)
        #expect(records.first?.contains("gone@example.com") == true)
        #expect(records.first?.contains("550") == true)
        let retried = try await runMailerCommand(
            [
                "dead-letters", "retry", "--all", "--smtp-host", "127.0.0.1", "--smtp-port", "\(sink.port)",
                "--smtp-tls", "none",
            ] + deadLetters, dir: dir)
        #expect(retried.status == 0, "\(retried.output)")
        let afterRetry = try await ParsedMail.parseAll(sink.messageFiles())
        #expect(afterRetry.count == 5)
        #expect(afterRetry.last?.envelopeTo == ["gone@example.com"])
        #expect(afterRetry.last?.messageID == "<notification-\(outbox[2].sequence)@sharewire.test>")
        let empty = try await runMailerCommand(["dead-letters", "list"] + deadLetters, dir: dir)
        #expect(empty.output.hasPrefix("No dead letters"))

        #expect(try await sink.child.stop(signal: SIGTERM).status == 0)
        _ = try await server.stop(signal: SIGTERM)
    }

    /// kill -9 mid-batch loses nothing: every notification is delivered at
    /// least once after a restart; what is sent twice is bounded by what was
    /// in flight or finished but not yet acknowledged (a few, with 4 at once).
    @Test func killNineMidBatchLosesNothing() async throws {
        let dir = try TempDirectory("sharewire-mailer-kill")
        defer { dir.remove() }
        let sink = try await SMTPSink.start(in: dir.file("sink"))
        defer { sink.child.killIfRunning() }
        let server = try await ServerProcess(
            arguments: ["--data-dir", dir.file("data")],
            environment: ["SHAREWIRE_SERVICE_KEY": Self.serviceKey],
            logTo: dir.file("sharewired.log"))
        defer { server.killIfRunning() }
        let admin = SharewireClient(
            configuration: .init(
                endpoint: Endpoint("127.0.0.1:\(server.port)")!,
                credentials: .serviceKey(Self.serviceKey)))
        defer { admin.close() }
        _ = try await admin.createAccount(email: "owner@example.com", language: .en)
        let owner = admin.acting(as: "owner@example.com")
        let count = 40
        for i in 0..<count {
            _ = try await owner.createContact(email: "guest\(i)@example.com", language: i % 2 == 0 ? .en : .ja)
            _ = try await owner.inviteContact(email: "guest\(i)@example.com")
        }
        let signup = ["--signup-url", "https://app.sharewire.test/signup?email={email}"]
        let first = try startMailer(dir: dir, server: server, sink: sink, log: "mailer-1.log", extra: signup)
        defer { first.killIfRunning() }
        try await waitUntil("a few messages") { sink.messageFiles().count >= 5 }
        #expect(try await first.stop(signal: SIGKILL).status == SIGKILL)
        let delivered = sink.messageFiles().count
        let second = try startMailer(dir: dir, server: server, sink: sink, log: "mailer-2.log", extra: signup)
        defer { second.killIfRunning() }
        try await waitUntil("every invite") {
            Set(
                try sink.messageFiles().map { try String(contentsOfFile: $0, encoding: .utf8) }
                    .compactMap { $0.split(separator: "\r\n").first { $0.hasPrefix("Message-ID:") } }
            ).count == count
        }
        #expect(try await second.stop(signal: SIGTERM).status == 0)
        let parsed = try await ParsedMail.parseAll(sink.messageFiles())
        let ids = parsed.map(\.messageID)
        // Each invite links to the sign-up page with its own address, in its language.
        for mail in parsed {
            let address = mail.envelopeTo[0].replacingOccurrences(of: "@", with: "%40")
            #expect(mail.body.contains("https://app.sharewire.test/signup?email=\(address)"), "\(mail.body)")
            #expect(mail.html.contains("href=\"https://app.sharewire.test/signup?email=\(address)\""))
            #expect(mail.body.contains(mail.contentLanguage == "ja" ? "アカウントの作成はこちら" : "Create your account"))
        }
        #expect(Set(ids).count == count)  // none lost
        // In flight (4) and finished during the last acknowledgement's round trip.
        #expect(ids.count - count <= 8, "duplicates: \(ids.count - count)")
        #expect(delivered < count)  // the kill really was mid-batch
        print("kill -9 after \(delivered) of \(count) messages; \(ids.count - count) sent twice after the restart")
        #expect(sink.messageFiles().count == ids.count)
        #expect(try await admin.ackNotifications(through: 0, consumer: "mailer") == UInt64(count))
        _ = try await server.stop(signal: SIGTERM)
    }
}
