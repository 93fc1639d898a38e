/// One row-level change for storage to persist.
public enum Mutation: Hashable, Sendable, Codable {
    /// Insert or replace an account row.
    case putAccount(Account)
    /// Insert or replace a contact row.
    case putContact(Contact)
    case deleteContact(ContactID)
    /// Insert or replace a device row (its services are separate mutations).
    case putDevice(Device)
    /// Insert or replace one service of a device.
    case putService(DeviceID, Service)
    case deleteService(ServiceID)
    /// Insert or replace a share and its set of services. `hadPorts` is
    /// false when the stored share has no service rows to replace (it is
    /// new, or its list was empty: ALL, or scripting only), so the store
    /// skips deleting them; true is always correct. Not part of the change
    /// log (followers apply shares to memory only): decoded puts say true.
    case putShare(Share, hadPorts: Bool = true)
    case deleteShare(ShareKey)
    /// Insert an API key row (keys are never changed, only revoked).
    case putAPIKey(APIKeyRecord)
    /// Revoke (delete) an API key row.
    case deleteAPIKey(APIKeyID)
    /// Delete a device row; its services (and their share ports) go with it.
    /// Its shares are deleted by earlier mutations of the same write.
    case deleteDevice(DeviceID)
    /// Delete an account row and its API keys; its devices, shares and
    /// contacts are deleted by earlier mutations of the same write.
    case deleteAccount(AccountID)
}

/// What one applied write changes: rows, audit events, outbox entries and access changes.
public struct Changes: Hashable, Sendable {
    public var mutations: [Mutation] = []
    public var events: [Event] = []
    public var notifications: [OutboxNotification] = []
    /// Every change of someone's access to a device, for the access-change feed.
    public var accessChanges: [AccessChangeRecord] = []
    public init() {}

    /// Appends another write's changes (the writer merges a batch this way).
    public mutating func append(_ other: Changes) {
        mutations += other.mutations
        events += other.events
        notifications += other.notifications
        accessChanges += other.accessChanges
    }

    public var isEmpty: Bool { mutations.isEmpty && events.isEmpty && notifications.isEmpty && accessChanges.isEmpty }
}

/// Everything one group commit writes, in one transaction.
public struct CommitBatch: Hashable, Sendable {
    /// The revision after the batch; stored with it.
    public var revision: UInt64
    /// The id counters after the batch; stored with it so ids are never reused.
    public var counters: IDCounters
    public var changes: Changes
    public init(revision: UInt64, counters: IDCounters, changes: Changes) {
        self.revision = revision
        self.counters = counters
        self.changes = changes
    }
}
