#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An audit record: who did what to which devices and people, when.
public struct AuditEvent: Sendable, Hashable, Codable, Identifiable, CustomStringConvertible {
    /// `evt_N`; increasing.
    public var id: String
    /// The revision of the write that recorded it.
    public var revision: Revision
    /// When it happened.
    public var at: Date
    /// The account that acted.
    public var actorID: String
    /// What happened.
    public var kind: Kind
    /// The devices it concerns; may be empty.
    public var deviceIDs: [String]
    /// The accounts it concerns; always includes the actor.
    public var userIDs: [String]
    /// A short machine-readable summary, e.g. `mode=PORTS services=svc_1 scripting=true`.
    public var detail: String

    /// An event value.
    public init(
        id: String, revision: Revision, at: Date, actorID: String, kind: Kind, deviceIDs: [String],
        userIDs: [String], detail: String
    ) {
        self.id = id
        self.revision = revision
        self.at = at
        self.actorID = actorID
        self.kind = kind
        self.deviceIDs = deviceIDs
        self.userIDs = userIDs
        self.detail = detail
    }

    /// What an audit event records, spelled as the server's logs do.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// An account was created.
        case accountCreated = "account.created"
        /// A contact was added.
        case contactCreated = "contact.created"
        /// A contact was changed.
        case contactUpdated = "contact.updated"
        /// A contact was deleted (and the shares given to that person revoked).
        case contactDeleted = "contact.deleted"
        /// A contact was invited.
        case contactInvited = "contact.invited"
        /// A device was registered.
        case deviceRegistered = "device.registered"
        /// A device was renamed.
        case deviceRenamed = "device.renamed"
        /// A service was added to a device.
        case serviceAdded = "service.added"
        /// A service was removed from a device.
        case serviceRemoved = "service.removed"
        /// Devices were shared with people who had no access.
        case shareCreated = "share.created"
        /// People's access was replaced.
        case shareUpdated = "share.updated"
        /// Shares were removed.
        case shareRemoved = "share.removed"
        /// A recipient gave up its access.
        case shareLeft = "share.left"
        /// Devices were given to another account.
        case deviceTransferred = "device.transferred"
        /// A time-limited share reached its expiry and was removed.
        case shareExpired = "share.expired"
        /// An account added a named API key.
        case apiKeyCreated = "api_key.created"
        /// An account revoked one of its API keys.
        case apiKeyRevoked = "api_key.revoked"
        /// The owner deleted a device (and every share of it).
        case deviceDeleted = "device.deleted"
        /// An account was deleted with its devices, shares and contacts.
        case accountDeleted = "account.deleted"
        /// A recipient accepted invitations.
        case shareAccepted = "share.accepted"
        /// A recipient declined invitations, or they lapsed.
        case shareDeclined = "share.declined"
        /// A kind this client version does not know.
        case unknown = "unknown"

        /// e.g. `share.created`.
        public var description: String { rawValue }
    }

    /// `evt_5 r4 share.created by acc_1 devices dev_1 users acc_1, acc_2 (mode=ALL …)`.
    public var description: String {
        var text = "\(id) \(revision) \(kind) by \(actorID)"
        if !deviceIDs.isEmpty { text += " devices \(deviceIDs.joined(separator: ", "))" }
        text += " users \(userIDs.joined(separator: ", "))"
        if !detail.isEmpty { text += " (\(detail))" }
        return text
    }
}

/// Which audit events to list; every field narrows, `nil` means any.
public struct EventFilter: Sendable, Hashable, Codable {
    /// Only events about this device.
    public var deviceID: String?
    /// Only events that also concern this account.
    public var userID: String?
    /// Only this kind.
    public var kind: AuditEvent.Kind?
    /// Only events at or after this time.
    public var since: Date?
    /// Only events before this time.
    public var until: Date?

    /// A filter; no argument lists everything that concerns the caller.
    public init(
        deviceID: String? = nil, userID: String? = nil, kind: AuditEvent.Kind? = nil, since: Date? = nil,
        until: Date? = nil
    ) {
        self.deviceID = deviceID
        self.userID = userID
        self.kind = kind
        self.since = since
        self.until = until
    }
}
