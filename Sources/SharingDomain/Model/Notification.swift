/// The notification templates.
public enum NotificationTemplate: String, Sendable, Hashable, CaseIterable {
    case invite = "invite"
    case shared = "share.created"
    case shareUpdated = "share.updated"
    case shareRemoved = "share.removed"
    case left = "share.left"
    case transferSent = "transfer.sent"
    case transferReceived = "transfer.received"
    /// To the recipient: a time-limited share ended.
    case shareExpired = "share.expired"
    /// To the owner: a time-limited share it gave ended.
    case shareExpiredOwner = "share.expired.owner"
    /// To the recipient: a share that needs acceptance, and how to accept it.
    case shareInvitation = "share.invitation"
    /// To the owner: the recipient accepted its invitation.
    case shareAccepted = "share.accepted"
    /// To the owner: the recipient declined its invitation.
    case shareDeclined = "share.declined"
    /// To the owner: an invitation lapsed without an answer.
    case invitationExpired = "invitation.expired"
    /// To each recipient: the owner deleted a device shared with it.
    case deviceDeleted = "device.deleted"
    /// To everyone sharing with a closed account, either way: that sharing ended.
    case accountClosed = "account.closed"
}

/// An outbox entry, written in the same transaction as the change causing it.
///
/// `sequence` increases strictly with every notification ever queued, so a
/// consumer (the later WatchNotifications stream) resumes from a cursor and
/// acknowledges "everything through N".
public struct OutboxNotification: Hashable, Sendable {
    public let sequence: UInt64
    public let revision: UInt64
    public let createdAt: Timestamp
    public let recipientEmail: Email
    /// The recipient's account, when it has one (invites go to emails without).
    public let recipient: AccountID?
    public let language: Language
    public let template: NotificationTemplate
    public let subject: String
    public let body: String

    public init(
        sequence: UInt64, revision: UInt64, createdAt: Timestamp, recipientEmail: Email,
        recipient: AccountID?, language: Language, template: NotificationTemplate,
        subject: String, body: String
    ) {
        self.sequence = sequence
        self.revision = revision
        self.createdAt = createdAt
        self.recipientEmail = recipientEmail
        self.recipient = recipient
        self.language = language
        self.template = template
        self.subject = subject
        self.body = body
    }
}
