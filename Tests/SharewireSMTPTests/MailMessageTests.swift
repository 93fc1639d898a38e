import Foundation
import Testing

@testable import SharewireSMTP

@Suite struct MailMessageTests {
    /// Decodes `=?UTF-8?B?…?=` words (folded or not) back to text.
    static func decodeWords(_ header: String) -> String {
        header.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "?=").compactMap { part in
            guard let start = part.range(of: "=?UTF-8?B?") else { return part.isEmpty ? nil : part }
            return String(decoding: Data(base64Encoded: String(part[start.upperBound...]))!, as: UTF8.self)
        }.joined()
    }

    @Test func asciiSubjectStaysReadableAndJapaneseIsEncodedWords() {
        #expect(MailHeaders.encodedWords("Alice shared 2 devices") == "Alice shared 2 devices")
        let ja = "alice@example.com さんがデバイス「自宅のラズベリーパイ」と「NAS」をあなたと共有しました"
        let encoded = MailHeaders.encodedWords(ja, headerNameLength: 9)
        #expect(encoded.utf8.allSatisfy { $0 < 0x80 })
        for line in encoded.components(separatedBy: "\r\n") { #expect(line.count <= 76) }
        #expect(encoded.components(separatedBy: "\r\n").count > 1)  // folded
        #expect(Self.decodeWords(encoded) == ja)
        #expect(MailHeaders.encodedWords("=?not a word?=") != "=?not a word?=")
    }

    @Test func mailboxesQuoteOrEncodeTheName() {
        #expect(MailHeaders.mailbox(MailAddress("a@example.com")) == "a@example.com")
        #expect(
            MailHeaders.mailbox(MailAddress("a@example.com", displayName: "Share \"wire\""))
                == "\"Share \\\"wire\\\"\" <a@example.com>")
        let ja = MailHeaders.mailbox(MailAddress("a@example.jp", displayName: "シェアワイヤ"))
        #expect(ja.hasSuffix(" <a@example.jp>"))
        #expect(Self.decodeWords(String(ja.dropLast(" <a@example.jp>".count))) == "シェアワイヤ")
    }

    @Test func rfc5322Dates() {
        #expect(MailHeaders.date(milliseconds: 0) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailHeaders.date(milliseconds: 1_796_582_416_000) == "Sun, 06 Dec 2026 18:40:16 +0000")
        #expect(MailHeaders.date(milliseconds: 951_782_400_000) == "Tue, 29 Feb 2000 00:00:00 +0000")
    }

    @Test func quotedPrintableKeepsAsciiAndEncodesTheRest() {
        #expect(MailBody.quotedPrintable("a=b") == "a=3Db\r\n")
        #expect(MailBody.quotedPrintable("trailing \r\nnext") == "trailing=20\r\nnext\r\n")
        #expect(MailBody.quotedPrintable("café") == "caf=C3=A9\r\n")
        let long = String(repeating: "x", count: 200)
        let encoded = MailBody.quotedPrintable(long)
        for line in encoded.components(separatedBy: "\r\n") { #expect(line.count <= 76) }
        #expect(encoded.replacingOccurrences(of: "=\r\n", with: "") == long + "\r\n")
    }

    @Test func renderedMessageHasTheHeadersAndADecodableBody() {
        let body = "こんにちは\nアクセスできるサービス: 22、80\n"
        let m = MailMessage(
            from: MailAddress("noreply@sharewire.test", displayName: "Sharewire"),
            to: [MailAddress("bob@example.jp")], subject: "共有のお知らせ", body: body,
            dateMilliseconds: 0, messageID: "n1.sharewire@sharewire.test",
            extraHeaders: [("Auto-Submitted", "auto-generated")])
        let text = String(decoding: m.rendered(), as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let headers = parts[0].components(separatedBy: "\r\n")
        #expect(headers.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(headers.contains("From: \"Sharewire\" <noreply@sharewire.test>"))
        #expect(headers.contains("To: bob@example.jp"))
        #expect(headers.contains("Message-ID: <n1.sharewire@sharewire.test>"))
        #expect(headers.contains("Auto-Submitted: auto-generated"))
        #expect(headers.contains("Content-Type: text/plain; charset=UTF-8"))
        #expect(headers.contains("Content-Transfer-Encoding: base64"))
        #expect(text.utf8.allSatisfy { $0 < 0x80 })  // 7-bit clean on the wire
        let decoded = Data(base64Encoded: parts[1].replacingOccurrences(of: "\r\n", with: ""))!
        #expect(String(decoding: decoded, as: UTF8.self) == body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func withHTMLTheMessageIsMultipartAlternativeTextFirst() throws {
        var m = MailMessage(
            from: MailAddress("noreply@sharewire.test"), to: [MailAddress("bob@example.jp")],
            subject: "共有", body: "本文です\n", html: "<p>本文です</p>\n",
            dateMilliseconds: 0, messageID: "notification-7@sharewire.test")
        let text = String(decoding: m.rendered(), as: UTF8.self)
        #expect(text.utf8.allSatisfy { $0 < 0x80 })
        let boundary = "=_sharewire_notification-7.sharewire.test"
        #expect(m.boundary == boundary)
        #expect(text.contains("Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n"))
        #expect(!text.contains("\r\nContent-Transfer-Encoding: base64\r\n\r\nThis"))  // none at the top level
        let sections = text.components(separatedBy: "\r\n--\(boundary)")
        #expect(sections.count == 4)  // preamble, text, html, "--" closing
        #expect(sections[1].hasPrefix("\r\nContent-Type: text/plain; charset=UTF-8\r\n"))
        #expect(sections[2].hasPrefix("\r\nContent-Type: text/html; charset=UTF-8\r\n"))
        #expect(sections[3] == "--\r\n")
        let html = sections[2].components(separatedBy: "\r\n\r\n")[1]
        let decoded = try #require(Data(base64Encoded: html.replacingOccurrences(of: "\r\n", with: "")))
        #expect(String(decoding: decoded, as: UTF8.self) == "<p>本文です</p>\r\n")
        // Sent again, the same bytes (the boundary comes from the Message-ID).
        #expect(m.rendered() == m.rendered())
        m.messageID = "<odd id>@x"
        #expect(m.boundary.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "=_.-".contains($0)) })
    }
}

@Suite struct SMTPServerURLTests {
    @Test func schemesPortsUsersAndHosts() throws {
        #expect(
            try SMTPServerURL("smtp://mail.example.com")
                == SMTPServerURL(host: "mail.example.com", port: 587, tls: .startTLS, user: nil))
        #expect(
            try SMTPServerURL("smtps://relay@mail.example.com")
                == SMTPServerURL(host: "mail.example.com", port: 465, tls: .implicit, user: "relay"))
        #expect(
            try SMTPServerURL("SMTP://127.0.0.1:2525/")
                == SMTPServerURL(host: "127.0.0.1", port: 2525, tls: .startTLS, user: nil))
        #expect(try SMTPServerURL("smtp://[::1]:25") == SMTPServerURL(host: "::1", port: 25, tls: .startTLS, user: nil))
        #expect(try SMTPServerURL("smtp://a%40b@h") == SMTPServerURL(host: "h", port: 587, tls: .startTLS, user: "a@b"))
    }

    @Test(arguments: [
        "smtp://u:secret@h", "http://h", "smtp://", "mail.example.com:587", "smtp://h/path",
        "smtp://h?tls=no", "smtp://h:0", "smtp://h:70000",
    ])
    func refused(_ text: String) {
        #expect(throws: SMTPServerURL.Invalid.self) { try SMTPServerURL(text) }
    }

    @Test func aPasswordIsRefusedWithoutEchoingIt() {
        do {
            _ = try SMTPServerURL("smtp://u:hunter2@h")
            Issue.record("accepted a password")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}
