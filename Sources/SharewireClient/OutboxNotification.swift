#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A notification from the server's outbox, rendered in the recipient's
/// language when the change causing it was written. Named so as not to
/// clash with Foundation's `Notification`.
public struct OutboxNotification: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Strictly increasing; the resume cursor for
    /// ``SharewireClient/watchNotifications(from:options:)`` and the value to ack.
    public var sequence: UInt64
    /// The revision of the write that queued it.
    public var revision: Revision
    /// When it was queued.
    public var createdAt: Date
    /// Where to send it.
    public var recipientEmail: String
    /// The recipient's account; `nil` for an invite (no account yet).
    public var recipientID: String?
    /// The language of subject and body.
    public var language: Language
    /// Which template it was rendered from.
    public var kind: Kind
    /// Rendered subject.
    public var subject: String
    /// Rendered body, plain text.
    public var body: String

    /// A notification value.
    public init(
        sequence: UInt64, revision: Revision, createdAt: Date, recipientEmail: String, recipientID: String?,
        language: Language, kind: Kind, subject: String, body: String
    ) {
        self.sequence = sequence
        self.revision = revision
        self.createdAt = createdAt
        self.recipientEmail = recipientEmail
        self.recipientID = recipientID
        self.language = language
        self.kind = kind
        self.subject = subject
        self.body = body
    }

    /// Which template a notification was rendered from.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// An owner invited a contact without an account.
        case invite
        /// Devices were shared with the recipient.
        case shareCreated = "share.created"
        /// The recipient's access changed.
        case shareUpdated = "share.updated"
        /// The recipient's access was removed.
        case shareRemoved = "share.removed"
        /// A recipient left (sent to the owner).
        case shareLeft = "share.left"
        /// The recipient gave devices away.
        case transferSent = "transfer.sent"
        /// The recipient received devices.
        case transferReceived = "transfer.received"
        /// The recipient's time-limited access ended.
        case shareExpired = "share.expired"
        /// A time-limited share the recipient (an owner) gave ended.
        case shareExpiredOwner = "share.expired.owner"
        /// An invitation to a share that needs acceptance (it says how to accept).
        case shareInvitation = "share.invitation"
        /// The recipient accepted an invitation (sent to the owner).
        case shareAccepted = "share.accepted"
        /// The recipient declined an invitation (sent to the owner).
        case shareDeclined = "share.declined"
        /// An invitation lapsed without an answer (sent to the owner).
        case invitationExpired = "invitation.expired"
        /// The owner deleted a device shared with the recipient.
        case deviceDeleted = "device.deleted"
        /// An account was closed; the sharing between it and the recipient ended.
        case accountClosed = "account.closed"
        /// A kind this client version does not know.
        case unknown

        /// e.g. `share.created`.
        public var description: String { rawValue }
    }

    /// `#3 share.created → bob@example.com (ja): subject`.
    public var description: String { "#\(sequence) \(kind) → \(recipientEmail) (\(language)): \(subject)" }
}

/// Whether the server is serving (`Health/Check`).
public enum ServingStatus: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The status is not known.
    case unknown = "UNKNOWN"
    /// Serving calls.
    case serving = "SERVING"
    /// Up but not serving (e.g. shutting down).
    case notServing = "NOT_SERVING"
    /// The server does not know the service asked about.
    case serviceUnknown = "SERVICE_UNKNOWN"

    /// e.g. `SERVING`.
    public var description: String { rawValue }
}
