import HashTreeCollections

/// What a share grants.
public enum ShareMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Legacy whole-device access: every service, including ones added later.
    case all = "ALL"
    /// Only the chosen services (possibly none, for scripting-only access).
    case ports = "PORTS"
}

/// The access of one share: mode, chosen services and scripting.
public struct ShareAccess: Hashable, Sendable, Codable {
    public var mode: ShareMode
    /// The chosen services; always empty for ``ShareMode/all``.
    public var services: Set<ServiceID>
    public var scripting: Bool

    /// Whole-device access.
    public static func all(scripting: Bool = false) -> ShareAccess {
        ShareAccess(mode: .all, services: [], scripting: scripting)
    }

    /// Access to the given services only.
    public static func ports(_ services: Set<ServiceID>, scripting: Bool = false) -> ShareAccess {
        ShareAccess(mode: .ports, services: services, scripting: scripting)
    }

    public init(mode: ShareMode, services: Set<ServiceID>, scripting: Bool) {
        self.mode = mode
        self.services = mode == .all ? [] : services
        self.scripting = scripting
    }
}

/// One device shared with one account.
public struct Share: Hashable, Sendable, Codable {
    public let device: DeviceID
    public let user: AccountID
    public var access: ShareAccess
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// When the access ends, or `nil` for a share without a time limit.
    /// Check answers "no" from this instant on (docs/DOMAIN.md §2, "Expiry").
    public var expiresAt: Timestamp?
    /// A pending invitation (`require_acceptance`): it gives no access until
    /// the recipient accepts it, and lapses at this instant; `nil` for a
    /// share that gives its access.
    public var acceptBy: Timestamp?

    public var key: ShareKey { ShareKey(device: device, user: user) }

    /// Whether the share still waits for the recipient's acceptance.
    @inlinable public var isPending: Bool { acceptBy != nil }

    /// When the expiry write must next look at it: its expiry, or the lapse of its invitation.
    var nextDeadline: Timestamp? {
        switch (expiresAt, acceptBy) {
        case let (e?, a?): return min(e, a)
        case let (e, a): return e ?? a
        }
    }

    public init(
        device: DeviceID, user: AccountID, access: ShareAccess, createdAt: Timestamp, updatedAt: Timestamp,
        expiresAt: Timestamp? = nil, acceptBy: Timestamp? = nil
    ) {
        self.device = device
        self.user = user
        self.access = access
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.acceptBy = acceptBy
    }

    /// Whether the share is over at `now`: expired, or a pending invitation
    /// past its `acceptBy`. Reads and writes treat it as gone from that
    /// instant, before the expiry write removes the row.
    public func hasEnded(at now: Timestamp) -> Bool {
        switch (expiresAt, acceptBy) {
        case (nil, nil): return false
        case let (e, a): return (e.map { now >= $0 } ?? false) || (a.map { now >= $0 } ?? false)
        }
    }

    /// Whether the share has expired at `now`: from `expiresAt` on, exactly.
    @inlinable
    public func isExpired(at now: @autoclosure () -> Timestamp) -> Bool {
        guard let expiresAt else { return false }
        return now() >= expiresAt
    }
}

extension Device {
    /// The device as a recipient with `access` sees it: `ALL` every service,
    /// `PORTS` only the granted ones, scripts-only none. A recipient learns
    /// nothing about services it cannot reach (docs/DOMAIN.md §2).
    public func visible(through access: ShareAccess, pending: Bool = false) -> Device {
        if pending {  // an invitation not accepted yet reaches nothing
            var copy = self
            copy.services = []
            return copy
        }
        guard access.mode == .ports else { return self }
        var copy = self
        copy.services = services.filter { access.services.contains($0.id) }
        return copy
    }
}
