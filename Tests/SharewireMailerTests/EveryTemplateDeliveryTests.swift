import Foundation
import SharewireClient
import SharewireSMTP
import SharewireTestSupport
import SharingDomain
import Testing

@testable import SharewireMailer

/// Every notification template, in English and in Japanese, rendered as the
/// server renders it, sent by the mailer's SMTP client to tools/smtp-sink and
/// read back with Python's `email` package: the subject decodes to the exact
/// text, both parts are there and decode to it, and the MIME has no defects.
@Suite struct EveryTemplateDeliveryTests {
    static func data(_ template: NotificationTemplate) throws -> NotificationData {
        NotificationData(
            actorEmail: try Email("alice@example.com"), otherEmail: try Email("bob@example.jp"),
            deviceNames: ["自宅のラズベリーパイ", "NAS \"main\" <2>"],
            access: template == .shareUpdated ? .portNumbers([22, 80], scripting: true) : .all())
    }

    @Test func everyTemplateInBothLanguagesSurvivesTheWire() async throws {
        let dir = try TempDirectory("sharewire-every-template")
        defer { dir.remove() }
        let sink = try await SMTPSink.start(in: dir.file("sink"))
        defer { sink.child.killIfRunning() }
        let smtp = SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: sink.port, tls: .none))
        let settings = MailSettings(
            from: MailAddress("noreply@sharewire.test", displayName: "シェアワイヤ"),
            signupURL: try SignupLink("https://app.sharewire.test/signup?email={email}"))
        var sent: [(template: NotificationTemplate, language: SharingDomain.Language, subject: String, body: String)] =
            []
        var sequence: UInt64 = 0
        for template in NotificationTemplate.allCases {
            for language in SharingDomain.Language.allCases {
                let rendered = NotificationTemplates.render(template, language: language, data: try Self.data(template))
                sequence += 1
                let kind = try #require(OutboxNotification.Kind(rawValue: template.rawValue))
                let n = OutboxNotification(
                    sequence: sequence, revision: Revision(sequence),
                    createdAt: Date(timeIntervalSince1970: 1_796_582_416),
                    recipientEmail: "bob@example.jp", recipientID: nil,
                    language: language == .ja ? .ja : .en, kind: kind,
                    subject: rendered.subject, body: rendered.body)
                let mail = NotificationMail.message(for: n, settings: settings)
                try await smtp.send(
                    mail.rendered(),
                    envelope: SMTPEnvelope(
                        from: "noreply@sharewire.test",
                        recipients: ["bob@example.jp"]))
                sent.append((template, language, rendered.subject, rendered.body))
            }
        }
        let mails = try await ParsedMail.parseAll(sink.messageFiles())
        #expect(mails.count == NotificationTemplate.allCases.count * 2)
        for (mail, expected) in zip(mails, sent) {
            let what = "\(expected.template) \(expected.language)"
            #expect(mail.defects.isEmpty, "\(what): \(mail.defects)")
            #expect(mail.subject == expected.subject, "\(what)")
            #expect(mail.body.hasPrefix(expected.body), "\(what)")
            #expect(mail.partTypes == ["text/plain", "text/html"], "\(what)")
            #expect(mail.html.contains("<html lang=\"\(expected.language.rawValue)\">"), "\(what)")
            #expect(mail.html.contains(NotificationHTML.escape(expected.body)), "\(what)")
            #expect(mail.contentLanguage == expected.language.rawValue, "\(what)")
            #expect(mail.from == "シェアワイヤ <noreply@sharewire.test>", "\(what)")
            #expect(mail.body.contains(NotificationMail.footer(expected.language == .ja ? .ja : .en)), "\(what)")
            #expect(
                mail.body.contains("https://app.sharewire.test/signup?email=bob%40example.jp")
                    == (expected.template == .invite),
                "\(what)")
        }
        // The Japanese ones really are Japanese on both sides of the wire.
        #expect(
            mails.filter { $0.contentLanguage == "ja" }.allSatisfy {
                $0.subject.unicodeScalars.contains { $0.value >= 0x3040 }
            })
        #expect(try await sink.child.stop(signal: SIGTERM).status == 0)
    }
}
