import SharewireClient
import SharewireSMTP

/// How notifications become e-mails: the sender and the Message-ID domain.
public struct MailSettings: Sendable {
    public var from: MailAddress
    public var replyTo: MailAddress?
    /// The right-hand side of every Message-ID (default: the From domain).
    public var messageIDDomain: String
    /// The sign-up page invites link to: `{email}` is replaced by the
    /// invitee's address, percent-encoded (``SignupLink``).
    public var signupURL: SignupLink?

    public init(
        from: MailAddress, replyTo: MailAddress? = nil, messageIDDomain: String? = nil,
        signupURL: SignupLink? = nil
    ) {
        self.from = from
        self.replyTo = replyTo
        self.signupURL = signupURL
        self.messageIDDomain =
            messageIDDomain
            ?? from.address.split(separator: "@").last.map(String.init) ?? "localhost"
    }
}

/// One notification as an e-mail. Subject and body were rendered by the
/// server in the recipient's language when the change was written; the mail
/// adds a footer in that same language, an HTML alternative, and headers.
public enum NotificationMail {
    /// The Message-ID: derived from the outbox sequence, so a message sent
    /// twice (at-least-once delivery) carries the same id and a relay or
    /// mail client can drop the duplicate.
    public static func messageID(_ n: OutboxNotification, domain: String) -> String {
        "notification-\(n.sequence)@\(domain)"
    }

    /// The text of an invite's sign-up link, in the notification's language.
    public static func signupLabel(_ language: Language) -> String {
        switch language {
        case .en: "Create your account"
        case .ja: "アカウントの作成はこちら"
        }
    }

    /// The footer appended to every body, in the notification's language.
    public static func footer(_ language: Language) -> String {
        switch language {
        case .en: "This message was sent automatically by Sharewire. Please do not reply to it."
        case .ja: "このメールはSharewireから自動送信されています。返信はできません。"
        }
    }

    public static func message(for n: OutboxNotification, settings: MailSettings) -> MailMessage {
        let millis = Int64((n.createdAt.timeIntervalSince1970 * 1000).rounded())
        let footer = footer(n.language)
        let link =
            n.kind == .invite
            ? settings.signupURL.map { (label: signupLabel(n.language), url: $0.url(for: n.recipientEmail)) } : nil
        let text = n.body + (link.map { "\n\n\($0.label): \($0.url)" } ?? "")
        return MailMessage(
            from: settings.from, to: [MailAddress(n.recipientEmail)], replyTo: settings.replyTo,
            subject: n.subject, body: text + "\n\n-- \n" + footer + "\n",
            html: NotificationHTML.document(
                subject: n.subject, body: n.body, link: link, footer: footer,
                language: n.language),
            dateMilliseconds: millis, messageID: messageID(n, domain: settings.messageIDDomain),
            extraHeaders: [
                ("Auto-Submitted", "auto-generated"),
                ("Content-Language", n.language.rawValue),
                ("X-Sharewire-Notification", "\(n.kind.rawValue); sequence=\(n.sequence)"),
            ])
    }
}
