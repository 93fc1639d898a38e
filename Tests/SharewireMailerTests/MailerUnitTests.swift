import Foundation
import SharewireClient
import SharewireSMTP
import Testing

@testable import SharewireMailer

@Suite struct MailerUnitTests {
    @Test func backoffDoublesWithinJitterAndIsCapped() {
        let schedule = RetrySchedule(initial: .milliseconds(100), maximum: .seconds(1))
        // (A constant generator would spin forever in random(in:)'s rejection sampling.)
        var random = SystemRandomNumberGenerator()
        for (attempt, full) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (30, 1000)] {
            for _ in 0..<100 {
                let d = schedule.delay(attempt: attempt, using: &random)
                #expect(d >= .milliseconds(full / 2) && d <= .milliseconds(full))
            }
        }
    }

    @Test func aNotificationBecomesAMailInItsLanguage() {
        let n = OutboxNotification(
            sequence: 42, revision: 7, createdAt: Date(timeIntervalSince1970: 1_796_582_416),
            recipientEmail: "carol@example.jp", recipientID: "acc_3", language: .ja,
            kind: .shareCreated, subject: "共有", body: "本文")
        let settings = MailSettings(from: MailAddress("noreply@sharewire.test", displayName: "Sharewire"))
        let mail = NotificationMail.message(for: n, settings: settings)
        #expect(mail.messageID == "notification-42@sharewire.test")
        #expect(mail.to == [MailAddress("carol@example.jp")])
        #expect(mail.subject == "共有")
        #expect(mail.body == "本文\n\n-- \n" + NotificationMail.footer(.ja) + "\n")
        #expect(mail.dateMilliseconds == 1_796_582_416_000)
        #expect(mail.extraHeaders.map(\.name) == ["Auto-Submitted", "Content-Language", "X-Sharewire-Notification"])
        #expect(mail.extraHeaders[1].value == "ja")
        #expect(NotificationMail.footer(.en).hasPrefix("This message was sent automatically"))
    }

    @Test func theHTMLAlternativeEscapesAndKeepsParagraphs() {
        let html = NotificationHTML.document(
            subject: "a <b> & \"c\"", body: "Line 1\nLine <2>\n\nPara 'two' & more",
            footer: "自動送信", language: .ja)
        #expect(html.contains("<html lang=\"ja\">"))
        #expect(html.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"))
        #expect(html.contains("Line 1<br>\nLine &lt;2&gt;</p>"))
        #expect(html.contains(">Para &#39;two&#39; &amp; more</p>"))
        #expect(html.contains(">自動送信</p>"))
        #expect(!html.contains("<2>") && !html.contains("<script"))
        #expect(NotificationHTML.escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
    }

    @Test func invitesCarryTheSignupLinkWithTheAddressEncoded() throws {
        let link = try SignupLink("https://app.example.com/signup?email={email}&src=mail")
        #expect(link.url(for: "a+b@example.com") == "https://app.example.com/signup?email=a%2Bb%40example.com&src=mail")
        let settings = MailSettings(from: MailAddress("noreply@sharewire.test"), signupURL: link)
        func notification(_ kind: OutboxNotification.Kind, _ language: Language) -> OutboxNotification {
            OutboxNotification(
                sequence: 7, revision: 3, createdAt: Date(timeIntervalSince1970: 0),
                recipientEmail: "a+b@example.com", recipientID: nil, language: language,
                kind: kind, subject: "s", body: "b")
        }
        let en = NotificationMail.message(for: notification(.invite, .en), settings: settings)
        #expect(
            en.body.hasPrefix(
                "b\n\nCreate your account: https://app.example.com/signup?email=a%2Bb%40example.com&src=mail\n"))
        #expect(
            en.html?.contains("href=\"https://app.example.com/signup?email=a%2Bb%40example.com&amp;src=mail\"") == true)
        #expect(en.html?.contains(">Create your account</a>") == true)
        let ja = NotificationMail.message(for: notification(.invite, .ja), settings: settings)
        #expect(ja.body.contains("アカウントの作成はこちら: https://"))
        // Only invites carry it; without --signup-url none does.
        #expect(
            !NotificationMail.message(for: notification(.shareCreated, .en), settings: settings).body.contains(
                "https://"))
        let plain = MailSettings(from: MailAddress("noreply@sharewire.test"))
        #expect(!NotificationMail.message(for: notification(.invite, .en), settings: plain).body.contains("https://"))
    }

    @Test(arguments: [
        "app.example.com/signup?email={email}", "https://app.example.com/signup", "ftp://x/{email}",
        "https://app.example.com/sign up?e={email}", "https://x/\"{email}",
    ])
    func badSignupTemplatesAreRefused(_ template: String) {
        #expect(throws: SignupLink.Invalid.self) { try SignupLink(template) }
    }
}
