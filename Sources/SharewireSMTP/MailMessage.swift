import Foundation

/// A mailbox: an address and an optional display name.
public struct MailAddress: Hashable, Sendable {
    public var address: String
    public var displayName: String?
    public init(_ address: String, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }
}

/// An e-mail built as an RFC 5322 message with MIME (RFC 2045–2047): UTF-8
/// throughout, non-ASCII header text as RFC 2047 encoded-words, each body
/// part in quoted-printable (mostly ASCII text) or base64 (e.g. Japanese),
/// lines ending in CRLF. With ``html`` the message is `multipart/alternative`
/// (RFC 2046 §5.1.4): the plain text first, the HTML last (the preferred
/// rendering); without it, a single `text/plain` body.
public struct MailMessage: Hashable, Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var replyTo: MailAddress?
    public var subject: String
    public var body: String
    /// An HTML rendering of ``body``, sent as the second alternative.
    public var html: String?
    /// Milliseconds since the epoch, written as the `Date` header (UTC).
    public var dateMilliseconds: Int64
    /// Without angle brackets, e.g. `n42.sharewire@example.com`.
    public var messageID: String
    /// Further headers, ASCII only (e.g. `Auto-Submitted: auto-generated`).
    public var extraHeaders: [(name: String, value: String)]

    public init(
        from: MailAddress, to: [MailAddress], replyTo: MailAddress? = nil, subject: String, body: String,
        html: String? = nil, dateMilliseconds: Int64, messageID: String,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.body = body
        self.html = html
        self.dateMilliseconds = dateMilliseconds
        self.messageID = messageID
        self.extraHeaders = extraHeaders
    }

    public static func == (a: MailMessage, b: MailMessage) -> Bool {
        a.from == b.from && a.to == b.to && a.replyTo == b.replyTo && a.subject == b.subject && a.body == b.body
            && a.html == b.html
            && a.dateMilliseconds == b.dateMilliseconds && a.messageID == b.messageID
            && a.extraHeaders.map(\.name) == b.extraHeaders.map(\.name)
            && a.extraHeaders.map(\.value) == b.extraHeaders.map(\.value)
    }

    public func hash(into h: inout Hasher) {
        h.combine(messageID)
        h.combine(subject)
    }

    /// The message bytes, ready for ``SMTPClientStateMachine`` (which dot-stuffs them).
    public func rendered() -> [UInt8] {
        var headers: [String] = [
            "Date: " + MailHeaders.date(milliseconds: dateMilliseconds),
            "From: " + MailHeaders.mailbox(from),
            "To: " + to.map(MailHeaders.mailbox).joined(separator: ", "),
        ]
        if let replyTo { headers.append("Reply-To: " + MailHeaders.mailbox(replyTo)) }
        headers.append("Subject: " + MailHeaders.encodedWords(subject, headerNameLength: "Subject: ".count))
        headers.append("Message-ID: <\(messageID)>")
        for h in extraHeaders { headers.append("\(h.name): \(h.value)") }
        headers.append("MIME-Version: 1.0")
        guard let html else {
            let (partHeaders, encoded) = MailBody.textPart(body, subtype: "plain")
            return Array(((headers + partHeaders).joined(separator: "\r\n") + "\r\n\r\n" + encoded).utf8)
        }
        let boundary = boundary
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        var out =
            headers.joined(separator: "\r\n") + "\r\n\r\nThis is a MIME message with a text and an HTML version.\r\n"
        for (text, subtype) in [(body, "plain"), (html, "html")] {
            let (partHeaders, encoded) = MailBody.textPart(text, subtype: subtype)
            out += "\r\n--\(boundary)\r\n" + partHeaders.joined(separator: "\r\n") + "\r\n\r\n" + encoded
        }
        out += "\r\n--\(boundary)--\r\n"
        return Array(out.utf8)
    }

    /// The multipart boundary: `=_` cannot occur in quoted-printable or base64
    /// output (a `=` there is followed by hex, a line end or nothing), so no
    /// body can contain it; the rest comes from the Message-ID, for
    /// messages that are byte-identical when sent again.
    var boundary: String {
        let token = messageID.unicodeScalars.prefix(50).map { scalar -> Character in
            let c = Character(scalar)
            return c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-") ? c : "."
        }
        return "=_sharewire_" + String(token)
    }
}

/// Header encoding: RFC 2047 encoded-words, mailboxes, the RFC 5322 date.
public enum MailHeaders {
    /// `text` as is when it is printable ASCII without `=?`, else as
    /// `=?UTF-8?B?…?=` words of at most 75 characters, folded (CRLF SP)
    /// between words, never splitting a UTF-8 sequence.
    public static func encodedWords(_ text: String, headerNameLength: Int = 0) -> String {
        let printable = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if printable, !text.contains("=?"), headerNameLength + text.utf8.count <= 78 { return text }
        // 45 bytes of UTF-8 → 60 base64 characters + 12 of `=?UTF-8?B?` and `?=` = 72.
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Name <address>` with the name quoted or encoded as needed; the bare
    /// address without a name.
    public static func mailbox(_ m: MailAddress) -> String {
        guard let name = m.displayName, !name.isEmpty else { return m.address }
        let ascii = name.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if ascii, !name.contains("=?") {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(m.address)>"
        }
        return encodedWords(name, headerNameLength: 78) + " <\(m.address)>"
    }

    /// RFC 5322 §3.3 date-time in UTC: `Sun, 06 Dec 2026 18:40:16 +0000`.
    public static func date(milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's days-to-civil.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (index 4 of Sun…Sat)
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(names[Int(weekday)]), \(two(day)) \(months[Int(month - 1)]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }
}

/// Body encoding: quoted-printable (RFC 2045 §6.7) and base64 lines.
public enum MailBody {
    /// One `text/SUBTYPE; charset=UTF-8` part: its headers and its encoded
    /// content (quoted-printable for mostly-ASCII text, base64 otherwise).
    static func textPart(_ text: String, subtype: String) -> (headers: [String], encoded: String) {
        let text = normalizedLines(text)
        let quotedPrintable = prefersQuotedPrintable(text)
        let encoded = quotedPrintable ? MailBody.quotedPrintable(text) : base64Lines(Array(text.utf8))
        return (
            [
                "Content-Type: text/\(subtype); charset=UTF-8",
                "Content-Transfer-Encoding: " + (quotedPrintable ? "quoted-printable" : "base64"),
            ], encoded
        )
    }

    /// Every line break as CRLF.
    static func normalizedLines(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }

    /// Quoted-printable keeps mostly-ASCII text readable; base64 is shorter
    /// for text that is mostly multi-byte (Japanese).
    static func prefersQuotedPrintable(_ text: String) -> Bool {
        let nonASCII = text.utf8.lazy.filter { $0 >= 0x80 }.count
        return nonASCII * 5 <= text.utf8.count
    }

    /// Quoted-printable with soft line breaks at most 76 characters per line;
    /// hard line breaks (CRLF) kept; `=`, non-ASCII and trailing white space encoded.
    public static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        let lines = text.components(separatedBy: "\r\n")
        for (n, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            var width = 0
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 32 || b == 9) && !last)
                let piece: [UInt8] = literal ? [b] : [UInt8(ascii: "="), hex[Int(b >> 4)], hex[Int(b & 15)]]
                // Leave room for the soft break's `=`.
                if width + piece.count > 75 {
                    out += Array("=\r\n".utf8)
                    width = 0
                }
                out += piece
                width += piece.count
            }
            if n < lines.count - 1 { out += [13, 10] }
        }
        return String(decoding: out, as: UTF8.self) + "\r\n"
    }

    /// Base64 in lines of 76 characters.
    public static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Base64.encodeBytes(bytes)
        var out: [UInt8] = []
        var i = 0
        while i < encoded.count {
            out += encoded[i..<min(i + 76, encoded.count)]
            out += [13, 10]
            i += 76
        }
        return String(decoding: out, as: UTF8.self)
    }
}
