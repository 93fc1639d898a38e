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
        let n = OutboxNotification(sequence: 42, revision: 7, createdAt: Date(timeIntervalSince1970: 1_796_582_416),
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
}
