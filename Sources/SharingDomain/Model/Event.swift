/// What an audit event records.
public enum EventKind: String, Sendable, Hashable, CaseIterable {
    case accountCreated = "account.created"
    case contactCreated = "contact.created"
    case contactUpdated = "contact.updated"
    case contactDeleted = "contact.deleted"
    case contactInvited = "contact.invited"
    case deviceRegistered = "device.registered"
    case deviceRenamed = "device.renamed"
    case serviceAdded = "service.added"
    case serviceRemoved = "service.removed"
    case shareCreated = "share.created"
    case shareUpdated = "share.updated"
    case shareRemoved = "share.removed"
    case shareLeft = "share.left"
    /// A time-limited share reached its expiry (actor: the owner who set it).
    case shareExpired = "share.expired"
    case deviceTransferred = "device.transferred"
    /// An account created a named API key (detail: `key=key_N name=…`).
    case apiKeyCreated = "api_key.created"
    /// An account revoked one of its API keys (detail: `key=key_N name=…`).
    case apiKeyRevoked = "api_key.revoked"
    /// The owner deleted a device (users: the owner and the recipients whose shares ended).
    case deviceDeleted = "device.deleted"
    /// An account deleted itself with its devices, shares and contacts.
    case accountDeleted = "account.deleted"
    /// A recipient accepted invitations (users: it and the owners).
    case shareAccepted = "share.accepted"
    /// A recipient declined invitations, or they lapsed (actor: the owner; detail `reason=invitation.expired`).
    case shareDeclined = "share.declined"
}

/// An audit record: who did what to which devices and users, when.
///
/// `users` always includes the actor, so "events that concern me" is one index.
public struct Event: Hashable, Sendable {
    public let id: EventID
    /// The revision of the write that recorded it.
    public let revision: UInt64
    public let at: Timestamp
    public let actor: AccountID
    public let kind: EventKind
    public let devices: [DeviceID]
    public let users: [AccountID]
    /// A short machine-readable summary, e.g. `mode=PORTS services=svc_1 scripting=true`.
    public let detail: String

    public init(
        id: EventID, revision: UInt64, at: Timestamp, actor: AccountID, kind: EventKind,
        devices: [DeviceID], users: [AccountID], detail: String
    ) {
        self.id = id
        self.revision = revision
        self.at = at
        self.actor = actor
        self.kind = kind
        self.devices = devices
        self.users = users
        self.detail = detail
    }
}

/// Which events to list. Only events that concern the caller are ever returned.
public struct EventFilter: Hashable, Sendable {
    public var device: DeviceID?
    /// Another user the events must also concern.
    public var user: AccountID?
    public var kind: EventKind?
    public var since: Timestamp?
    public var until: Timestamp?
    public init(
        device: DeviceID? = nil, user: AccountID? = nil, kind: EventKind? = nil,
        since: Timestamp? = nil, until: Timestamp? = nil
    ) {
        self.device = device
        self.user = user
        self.kind = kind
        self.since = since
        self.until = until
    }
}
