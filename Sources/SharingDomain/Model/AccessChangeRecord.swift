/// Why an account's access to a device changed.
public enum AccessChangeCause: String, Sendable, Hashable, CaseIterable {
    case shareCreated = "share.created"
    case shareUpdated = "share.updated"
    /// RemoveShares, or the owner deleted the contact.
    case shareRemoved = "share.removed"
    case shareLeft = "share.left"
    case shareExpired = "share.expired"
    /// The device went to another owner: its shares end, the old owner loses
    /// it and the new owner gains it.
    case deviceTransferred = "device.transferred"
    /// A service a `PORTS` share named was removed from the device.
    case serviceRemoved = "service.removed"
    case deviceDeleted = "device.deleted"
    case accountDeleted = "account.deleted"
}

/// What an account may reach on a device from a change on.
public enum AccessGrant: Hashable, Sendable {
    /// Nothing: Check answers no.
    case none
    /// The owner: every service and scripting.
    case owner
    /// A recipient with this access, until `expiresAt` if any.
    case shared(ShareAccess, expiresAt: Timestamp?)
}

/// One change of one account's access to one device, recorded by the write
/// that made it, in the same transaction (docs/DOMAIN.md §2, "Access-change
/// feed"). Within a revision, `position` orders the changes as the rules made
/// them.
public struct AccessChangeRecord: Hashable, Sendable {
    public let revision: UInt64
    public let position: Int
    public let at: Timestamp
    public let device: DeviceID
    /// The account whose access changed.
    public let user: AccountID
    /// The device's owner who gave or ended the access (the new owner for a
    /// transfer): the second account that sees the change.
    public let owner: AccountID
    public let kind: AccessChangeCause
    public let grant: AccessGrant

    public init(
        revision: UInt64, position: Int, at: Timestamp, device: DeviceID, user: AccountID,
        owner: AccountID, kind: AccessChangeCause, grant: AccessGrant
    ) {
        self.revision = revision
        self.position = position
        self.at = at
        self.device = device
        self.user = user
        self.owner = owner
        self.kind = kind
        self.grant = grant
    }

    /// Whether `account` may see it: the user whose access changed, or the owner.
    public func isVisible(to account: AccountID) -> Bool { user == account || owner == account }
}

/// Where a WatchAccessChanges stream is: after the change at (`revision`,
/// `position`). ``caughtUp(through:)`` is past every change of a revision.
public struct AccessChangeCursor: Hashable, Sendable, Comparable {
    public let revision: UInt64
    public let position: Int

    public init(revision: UInt64, position: Int) {
        self.revision = revision
        self.position = position
    }

    /// After every change of `revision` and of those before it.
    public static func caughtUp(through revision: UInt64) -> AccessChangeCursor {
        AccessChangeCursor(revision: revision, position: Int(Int32.max))
    }

    public static func < (a: AccessChangeCursor, b: AccessChangeCursor) -> Bool {
        (a.revision, a.position) < (b.revision, b.position)
    }
}

/// A read of the access-change log: the changes after a cursor, and how far
/// the log has been pruned when they were read.
public struct AccessChangePage: Hashable, Sendable {
    public let changes: [AccessChangeRecord]
    /// Every change of revisions up to this one has been deleted: a cursor
    /// before it can no longer be resumed (docs/SERVER.md "Access-change feed").
    public let prunedThrough: UInt64

    public init(changes: [AccessChangeRecord], prunedThrough: UInt64) {
        self.changes = changes
        self.prunedThrough = prunedThrough
    }
}
