import HashTreeCollections

/// A share as the snapshot holds it: 32 bytes of plain data (no reference to
/// retain on a Check), keyed by its ``ShareKey`` so device and user are not
/// stored twice. What most shares do not have (an expiry, a pending
/// invitation, two or more chosen services) lives in ``ShareExtras``, in a
/// map of its own, and a flag says whether to look there.
@usableFromInline
struct CompactShare: Hashable, Sendable {
    /// Milliseconds since the epoch.
    @usableFromInline var createdAt: Int64
    @usableFromInline var updatedAt: Int64
    /// The one chosen service of a `PORTS` share with exactly one, else 0
    /// (no id is 0: the counters start at 1 and the parser refuses 0).
    @usableFromInline var service: UInt64
    @usableFromInline var flags: UInt8

    // The flags are computed constants, not stored statics: inlined into
    // Check in other modules with no global to reach.
    @inlinable static var ports: UInt8 { 1 }
    @inlinable static var scripting: UInt8 { 2 }
    /// `acceptBy` is set: the share gives no access yet.
    @inlinable static var pending: UInt8 { 4 }
    /// `expiresAt` is set (in the extras).
    @inlinable static var expires: UInt8 { 8 }
    /// Two or more chosen services (in the extras).
    @inlinable static var manyServices: UInt8 { 16 }

    @inlinable func has(_ flag: UInt8) -> Bool { flags & flag != 0 }

    /// Whether an entry in the extras map goes with this share.
    @inlinable var hasExtras: Bool { has(Self.pending | Self.expires | Self.manyServices) }
}

/// The rare parts of a share, held apart from ``CompactShare``.
@usableFromInline
struct ShareExtras: Hashable, Sendable {
    @usableFromInline var expiresAt: Timestamp?
    @usableFromInline var acceptBy: Timestamp?
    /// The chosen services, ascending, when there are two or more; else empty.
    @usableFromInline var services: [ServiceID]
}

/// The check index, (device, user) → share, in two persistent maps: every
/// share's compact form, and the extras of the few that have any. Reads and
/// writes take and give whole ``Share`` values; Check reads the compact form.
@usableFromInline
struct ShareTable: Sendable, Equatable {
    @usableFromInline var compact: TreeDictionary<ShareKey, CompactShare> = [:]
    @usableFromInline var extras: TreeDictionary<ShareKey, ShareExtras> = [:]

    init() {}

    var count: Int { compact.count }

    /// The share of `key` if it gives access at `now` (not a pending
    /// invitation, not expired), with its extras when it has any: Check's
    /// lookup. The clock is read only for a share with extras.
    @inlinable
    func active(_ key: ShareKey, at now: () -> Timestamp) -> (share: CompactShare, extras: ShareExtras?)? {
        guard let share = compact[key], !share.has(CompactShare.pending) else { return nil }
        guard share.hasExtras else { return (share, nil) }
        let extras = extras[key]
        if let expiresAt = extras?.expiresAt, now() >= expiresAt { return nil }
        return (share, extras)
    }

    /// The share of `key`, as a whole value; setting `nil` removes it.
    subscript(key: ShareKey) -> Share? {
        get { compact[key].map { Self.expand($0, key: key, extras: extras) } }
        set {
            guard let newValue else {
                if compact.removeValue(forKey: key)?.hasExtras == true { extras[key] = nil }
                return
            }
            put(newValue)
        }
    }

    /// Stores `share` (under its own key) and returns the compact form it replaced.
    @discardableResult
    mutating func put(_ share: Share) -> CompactShare? {
        let (c, e) = Self.split(share)
        let old = compact.updateValue(c, forKey: share.key)
        if let e {
            extras[share.key] = e
        } else if old?.hasExtras == true {
            extras[share.key] = nil
        }
        return old
    }

    /// The compact form of a share and its extras, if it needs any.
    static func split(_ share: Share) -> (CompactShare, ShareExtras?) {
        var flags: UInt8 = 0
        if share.access.mode == .ports { flags |= CompactShare.ports }
        if share.access.scripting { flags |= CompactShare.scripting }
        if share.acceptBy != nil { flags |= CompactShare.pending }
        if share.expiresAt != nil { flags |= CompactShare.expires }
        var service: UInt64 = 0
        var many: [ServiceID] = []
        switch share.access.services.count {
        case 0: break
        case 1: service = share.access.services.first!.raw
        default:
            flags |= CompactShare.manyServices
            many = share.access.services.sorted()
        }
        let c = CompactShare(
            createdAt: share.createdAt.millisecondsSinceEpoch, updatedAt: share.updatedAt.millisecondsSinceEpoch,
            service: service, flags: flags)
        guard c.hasExtras else { return (c, nil) }
        return (c, ShareExtras(expiresAt: share.expiresAt, acceptBy: share.acceptBy, services: many))
    }

    /// The whole share from its compact form (and extras).
    static func expand(
        _ c: CompactShare, key: ShareKey, extras: TreeDictionary<ShareKey, ShareExtras>
    ) -> Share {
        let e = c.hasExtras ? extras[key] : nil
        let services: Set<ServiceID>
        if c.has(CompactShare.manyServices) {
            services = Set(e?.services ?? [])
        } else if c.service != 0 {
            services = [ServiceID(raw: c.service)]
        } else {
            services = []
        }
        return Share(
            device: key.device, user: key.user,
            access: ShareAccess(
                mode: c.has(CompactShare.ports) ? .ports : .all, services: services,
                scripting: c.has(CompactShare.scripting)),
            createdAt: Timestamp(millisecondsSinceEpoch: c.createdAt),
            updatedAt: Timestamp(millisecondsSinceEpoch: c.updatedAt),
            expiresAt: e?.expiresAt, acceptBy: e?.acceptBy)
    }
}

extension ShareTable: Sequence {
    /// Every share, in the map's (hash) order.
    @usableFromInline
    struct Iterator: IteratorProtocol {
        var base: TreeDictionary<ShareKey, CompactShare>.Iterator
        let extras: TreeDictionary<ShareKey, ShareExtras>

        @usableFromInline
        mutating func next() -> (key: ShareKey, value: Share)? {
            guard let (key, c) = base.next() else { return nil }
            return (key, ShareTable.expand(c, key: key, extras: extras))
        }
    }

    @usableFromInline
    func makeIterator() -> Iterator { Iterator(base: compact.makeIterator(), extras: extras) }
}
