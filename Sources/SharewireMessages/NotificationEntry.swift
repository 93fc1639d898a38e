import CSharewireProto

/// A notification: an outbox entry, rendered in the recipient's language
/// when the change causing it was written, in the same transaction
/// (`sharewire.v1.NotificationEntry`; not named `Notification`, which
/// would clash with Foundation's).
public struct NotificationEntry: ProtoMessage, Hashable {
    /// Increases strictly with every notification queued; the resume cursor.
    public var sequence: UInt64
    /// The revision of the write that queued it.
    public var revision: UInt64
    /// When it was queued.
    public var createdAtMs: Int64
    /// Where to send it.
    public var recipientEmail: String
    /// The recipient's account; empty for an invite (no account yet).
    public var recipientID: String
    /// The language subject and body are in.
    public var language: LanguageCode
    /// Which template it was rendered from.
    public var template: NotificationKind
    /// Rendered subject and body.
    public var subject: String
    /// Plain text.
    public var body: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        sequence: UInt64 = 0,
        revision: UInt64 = 0,
        createdAtMs: Int64 = 0,
        recipientEmail: String = "",
        recipientID: String = "",
        language: LanguageCode = .unspecified,
        template: NotificationKind = .unspecified,
        subject: String = "",
        body: String = ""
    ) {
        self.sequence = sequence
        self.revision = revision
        self.createdAtMs = createdAtMs
        self.recipientEmail = recipientEmail
        self.recipientID = recipientID
        self.language = language
        self.template = template
        self.subject = subject
        self.body = body
    }
}

extension NotificationEntry: CBridgedMessage {
    typealias CMessage = Sharewire__V1__NotificationEntry
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__notification_entry__init)

    var cArenaHint: Int {
        CEncodingArena.hint(recipientEmail)
            + CEncodingArena.hint(recipientID)
            + CEncodingArena.hint(subject)
            + CEncodingArena.hint(body)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.sequence = sequence
        c.pointee.revision = revision
        c.pointee.created_at_ms = createdAtMs
        c.pointee.recipient_email = arena.cString(recipientEmail, field: "recipient_email")
        c.pointee.recipient_id = arena.cString(recipientID, field: "recipient_id")
        c.pointee.language = .init(CEnum.wireValue(language))
        c.pointee.template_ = .init(CEnum.wireValue(template))
        c.pointee.subject = arena.cString(subject, field: "subject")
        c.pointee.body = arena.cString(body, field: "body")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            sequence: c.pointee.sequence,
            revision: c.pointee.revision,
            createdAtMs: c.pointee.created_at_ms,
            recipientEmail: try CDecoding.string(c.pointee.recipient_email, field: "recipient_email"),
            recipientID: try CDecoding.string(c.pointee.recipient_id, field: "recipient_id"),
            language: CEnum.open(c.pointee.language.rawValue),
            template: CEnum.open(c.pointee.template_.rawValue),
            subject: try CDecoding.string(c.pointee.subject, field: "subject"),
            body: try CDecoding.string(c.pointee.body, field: "body"))
    }
}
