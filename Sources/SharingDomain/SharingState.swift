import HashTreeCollections

/// An immutable snapshot of everything the rules need, with its indexes.
///
/// Every map is a `TreeDictionary` (a persistent hash trie): a write copies
/// only the path it changes, so the writer derives the next snapshot from the
/// last in O(changes) and readers keep using the old one untouched.
/// Events and notifications are not held here: they only grow, so they live
/// in storage and are read from there (see ``SharingEventLog``).
public struct SharingState: Sendable {
    /// The revision of the last write applied. Each successful write adds one.
    public internal(set) var revision: UInt64 = 0
    /// Where the next ids come from.
    public internal(set) var counters = IDCounters()
    /// The limits the rules enforce.
    public let limits: Limits

    var accounts: TreeDictionary<AccountID, Account> = [:]
    var accountByEmail: TreeDictionary<Email, AccountID> = [:]
    var apiKeys: TreeDictionary<APIKeyID, APIKeyRecord> = [:]
    /// key digest → key: what authentication looks up.
    var apiKeyByHash: TreeDictionary<APIKeyHash, APIKeyID> = [:]
    var apiKeysByAccount: TreeDictionary<AccountID, TreeSet<APIKeyID>> = [:]
    var contacts: TreeDictionary<ContactID, Contact> = [:]
    /// owner → (email → contact): the per-owner uniqueness index.
    var contactsByOwner: TreeDictionary<AccountID, TreeDictionary<Email, ContactID>> = [:]
    /// email → every owner's contact entry for it: what a new account with
    /// that email inherits its language from.
    var contactsByEmail: TreeDictionary<Email, TreeSet<ContactID>> = [:]
    @usableFromInline var devices: TreeDictionary<DeviceID, Device> = [:]
    var devicesByOwner: TreeDictionary<AccountID, TreeSet<DeviceID>> = [:]
    /// The check index: (device, user) → share, held compactly (``ShareTable``).
    @usableFromInline var shares = ShareTable()
    var sharesByDevice: TreeDictionary<DeviceID, TreeSet<AccountID>> = [:]
    var sharesByUser: TreeDictionary<AccountID, TreeSet<DeviceID>> = [:]
    /// Shares with an expiry → when: what the expiry timer scans.
    var expiring: TreeDictionary<ShareKey, Timestamp> = [:]

    /// An empty state.
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Rebuilds a state and its indexes from stored rows (start-up).
    ///
    /// - Throws: `INVALID_ARGUMENT` when the rows are inconsistent (a share of
    ///   an unknown device, say): better to refuse to start than to serve wrong answers.
    public static func restore(
        limits: Limits = Limits(), revision: UInt64, counters: IDCounters,
        accounts: [Account], apiKeys: [APIKeyRecord], contacts: [Contact],
        devices: [Device], shares: [Share]
    ) throws(SharingError) -> SharingState {
        var s = SharingState(limits: limits)
        s.revision = revision
        s.counters = counters
        for a in accounts { s.putAccount(a) }
        for k in apiKeys {
            guard s.accounts[k.account] != nil else { throw corrupt("API key \(k.id) of unknown account \(k.account)") }
            guard s.apiKeyByHash[k.hash] == nil else { throw corrupt("API key \(k.id) has the digest of another key") }
            s.putAPIKey(k)
        }
        for c in contacts {
            guard s.accounts[c.owner] != nil else { throw corrupt("contact \(c.id) of unknown owner \(c.owner)") }
            s.putContact(c)
        }
        for d in devices {
            guard s.accounts[d.owner] != nil else { throw corrupt("device \(d.id) of unknown owner \(d.owner)") }
            s.putDevice(d)
        }
        // The by-device and by-user indexes are built once per device and
        // user at the end, not updated once per share.
        var keys: [ShareKey] = []
        keys.reserveCapacity(shares.count)
        var last: Device?  // the rows come grouped by device: one lookup per device
        for sh in shares {
            if last?.id != sh.device { last = s.devices[sh.device] }
            guard let d = last, s.accounts[sh.user] != nil else {
                throw corrupt("share \(sh.device)/\(sh.user) of unknown device or user")
            }
            for svc in sh.access.services where !d.hasService(svc) {
                throw corrupt("share \(sh.device)/\(sh.user) names \(svc), not on the device")
            }
            s.putShare(sh, indexed: false)
            keys.append(sh.key)
        }
        s.indexShares(keys, present: true)
        return s
    }

    private static func corrupt(_ message: String) -> SharingError {
        SharingError(.invalidArgument, field: .storage, message: "inconsistent stored state: \(message)")
    }

    // MARK: - Counts (for tests and metrics)

    public var accountCount: Int { accounts.count }
    public var contactCount: Int { contacts.count }
    public var deviceCount: Int { devices.count }
    public var shareCount: Int { shares.count }

    // MARK: - Index maintenance. Every mutation of a map goes through these.

    mutating func putAccount(_ a: Account) {
        if let old = accounts[a.id] { accountByEmail[old.email] = nil }
        accounts[a.id] = a
        accountByEmail[a.email] = a.id
    }

    mutating func putAPIKey(_ k: APIKeyRecord) {
        apiKeys[k.id] = k
        apiKeyByHash[k.hash] = k.id
        apiKeysByAccount[k.account, default: []].insert(k.id)
    }

    mutating func removeAPIKey(_ k: APIKeyRecord) {
        apiKeys[k.id] = nil
        apiKeyByHash[k.hash] = nil
        apiKeysByAccount[k.account]?.remove(k.id)
        if apiKeysByAccount[k.account]?.isEmpty == true { apiKeysByAccount[k.account] = nil }
    }

    mutating func putContact(_ c: Contact) {
        contacts[c.id] = c
        contactsByOwner[c.owner, default: [:]][c.email] = c.id
        contactsByEmail[c.email, default: []].insert(c.id)
    }

    mutating func removeContact(_ c: Contact) {
        contacts[c.id] = nil
        contactsByOwner[c.owner]?[c.email] = nil
        if contactsByOwner[c.owner]?.isEmpty == true { contactsByOwner[c.owner] = nil }
        contactsByEmail[c.email]?.remove(c.id)
        if contactsByEmail[c.email]?.isEmpty == true { contactsByEmail[c.email] = nil }
    }

    mutating func putDevice(_ d: Device) {
        if let old = devices[d.id], old.owner != d.owner {
            devicesByOwner[old.owner]?.remove(d.id)
            if devicesByOwner[old.owner]?.isEmpty == true { devicesByOwner[old.owner] = nil }
        }
        devices[d.id] = d
        devicesByOwner[d.owner, default: []].insert(d.id)
    }

    mutating func putShare(_ sh: Share) { putShare(sh, indexed: true) }

    /// With `indexed: false`, the by-device and by-user indexes are left to
    /// the caller: a bulk rule updates them once per device and per user with
    /// ``indexShares(_:present:)`` instead of once per pair (a persistent-map
    /// update copies its path: 2,000 of them for 100 devices × 10 people).
    mutating func putShare(_ sh: Share, indexed: Bool) {
        let old = shares.put(sh)
        // Most shares have no deadline and had none: no walk of `expiring` for them.
        if let deadline = sh.nextDeadline {
            expiring[sh.key] = deadline
        } else if old?.has(CompactShare.pending | CompactShare.expires) == true {
            expiring[sh.key] = nil
        }
        if indexed {
            sharesByDevice[sh.device, default: []].insert(sh.user)
            sharesByUser[sh.user, default: []].insert(sh.device)
        }
    }

    /// Adds `keys` to (or, `present: false`, removes them from) the by-device
    /// and by-user indexes: one update per device and per user.
    mutating func indexShares(_ keys: [ShareKey], present: Bool) {
        guard !keys.isEmpty else { return }
        var byDevice: [DeviceID: [AccountID]] = [:]
        var byUser: [AccountID: [DeviceID]] = [:]
        for k in keys {
            byDevice[k.device, default: []].append(k.user)
            byUser[k.user, default: []].append(k.device)
        }
        Self.update(&sharesByDevice, byDevice, present: present)
        Self.update(&sharesByUser, byUser, present: present)
    }

    /// Adds (or removes) each key's members in `index`, dropping sets left empty.
    private static func update<Key: Hashable, Member: Hashable>(
        _ index: inout TreeDictionary<Key, TreeSet<Member>>, _ members: [Key: [Member]], present: Bool
    ) {
        for (key, added) in members {
            if present {
                index[key, default: []].formUnion(added)
            } else if var set = index[key] {
                set.subtract(added)
                index[key] = set.isEmpty ? nil : set
            }
        }
    }

    /// Removes a device (and any share of it still indexed).
    mutating func removeDevice(_ id: DeviceID) {
        guard let d = devices[id] else { return }
        for user in sharesByDevice[id] ?? [] { removeShare(ShareKey(device: id, user: user)) }
        devices[id] = nil
        devicesByOwner[d.owner]?.remove(id)
        if devicesByOwner[d.owner]?.isEmpty == true { devicesByOwner[d.owner] = nil }
    }

    /// Removes an account from the account maps; its devices, shares and
    /// contacts are removed first by the rule that deletes it.
    mutating func removeAccount(_ id: AccountID) {
        guard let a = accounts[id] else { return }
        accounts[id] = nil
        if accountByEmail[a.email] == id { accountByEmail[a.email] = nil }
        // Its API keys go with it: none authenticates any more.
        for key in apiKeysByAccount[id] ?? [] { if let k = apiKeys[key] { removeAPIKey(k) } }
    }

    mutating func removeShare(_ key: ShareKey, indexed: Bool = true) {
        shares[key] = nil
        expiring[key] = nil
        guard indexed else { return }
        sharesByDevice[key.device]?.remove(key.user)
        if sharesByDevice[key.device]?.isEmpty == true { sharesByDevice[key.device] = nil }
        sharesByUser[key.user]?.remove(key.device)
        if sharesByUser[key.user]?.isEmpty == true { sharesByUser[key.user] = nil }
    }
}
