import HashTreeCollections

/// A device as its caller sees it: an owner sees every service; a recipient
/// only the services its share reaches (``Device/visible(through:)``).
public struct DeviceView: Hashable, Sendable {
    /// How the caller relates to the device.
    public enum Role: Hashable, Sendable {
        /// The caller owns it; `shareCount` people have access.
        case owner(shareCount: Int)
        /// It was shared with the caller by `sharedBy`, with this access.
        case recipient(sharedBy: Email, access: ShareAccess)
    }
    public let device: Device
    public let role: Role
    /// For a recipient: when its access ends, or `nil` for no time limit.
    public var expiresAt: Timestamp? = nil
    /// For a recipient: a pending invitation, to accept before this instant.
    public var acceptBy: Timestamp? = nil
}

/// One share of a device, as its owner sees it.
public struct ShareView: Hashable, Sendable {
    public let share: Share
    public let email: Email
}

/// An account as another account may see it: id and email only.
public struct AccountSummary: Hashable, Sendable {
    public let id: AccountID
    public let email: Email
}

/// The reads. Each takes the authenticated caller and shows only what that
/// caller may see (object-level authorization): another account's contact,
/// device or share answers "not found", never its contents.
///
/// Reads of shares take `now`, the snapshot's clock, as Check does: a share
/// that has ended by then (``Share/hasEnded(at:)``: expired, or an invitation
/// past its answer-by time) is not shown, exactly from that instant, though
/// its row stays until the expiry write removes it.
extension SharingState {
    /// The caller's own account.
    public func whoami(_ caller: AccountID) throws(SharingError) -> Account {
        guard let a = accounts[caller] else {
            throw SharingError(.unauthenticated, subject: caller.external, field: .actor, message: "unknown account")
        }
        return a
    }

    /// The account an API key belongs to, or `nil`.
    public func authenticate(apiKey: some StringProtocol) -> AccountID? {
        authenticateKey(apiKey)?.account
    }

    /// The unrevoked API key record `apiKey` is, or `nil`.
    ///
    /// The trie lookup is keyed by the SHA-256 of the key, so its timing says
    /// nothing usable about the key; the final comparison is constant-time anyway.
    public func authenticateKey(_ apiKey: some StringProtocol) -> APIKeyRecord? {
        guard APIKey.isWellFormed(apiKey) else { return nil }
        let hash = APIKey.hash(apiKey)
        guard let id = apiKeyByHash[hash], let k = apiKeys[id], k.hash.constantTimeEquals(hash),
            accounts[k.account] != nil
        else {
            return nil
        }
        return k
    }

    /// The API key `id` while it is unrevoked, whoever owns it (for the
    /// authentication cache, which checks a remembered key is still valid).
    public func apiKey(_ id: APIKeyID) -> APIKeyRecord? { apiKeys[id] }

    /// The caller's API keys, oldest first.
    public func listAPIKeys(_ caller: AccountID) throws(SharingError) -> [APIKeyRecord] {
        _ = try whoami(caller)
        return (apiKeysByAccount[caller] ?? []).compactMap { apiKeys[$0] }.sorted { $0.id < $1.id }
    }

    /// The account with this email, if any (for services acting for a user).
    public func account(email: Email) -> AccountID? { accountByEmail[email] }

    /// A device by id, with no authorization: for the access-change feed,
    /// which has already decided who may see the change and only needs the
    /// ports of the services a grant names.
    public func unauthorizedDevice(_ id: DeviceID) -> Device? { devices[id] }

    /// The caller's contacts, in creation order; with a non-empty `query`, the
    /// ones it matches, best first (``searchContacts(_:query:cursor:size:)``).
    public func listContacts(
        _ caller: AccountID, query: String = "", cursor: String?,
        pageSize: Int
    ) throws(SharingError) -> Page<ContactView> {
        _ = try whoami(caller)
        let size = try limits.pageSize(pageSize)
        if !query.trimmingSpaces.isEmpty {
            return try searchContacts(caller, query: query, cursor: cursor, size: size)
        }
        let after = try PageCursor.decode(cursor)
        let ids = contactsByOwner[caller]?.values ?? TreeDictionary<Email, ContactID>().values
        let (page, next) = PageCursor.page(ids, after: after, size: size)
        return Page(items: page.compactMap { id in contacts[id].map(view) }, nextCursor: next)
    }

    /// One of the caller's contacts.
    public func contact(_ caller: AccountID, email text: String) throws(SharingError) -> ContactView {
        let email = try Email(text)
        guard let id = contactsByOwner[caller]?[email], let c = contacts[id] else {
            throw SharingError(.contactNotFound, subject: email.value, field: .email, message: "no such contact")
        }
        return view(c)
    }

    func view(_ c: Contact) -> ContactView {
        ContactView(contact: c, hasAccount: accountByEmail[c.email] != nil)
    }

    /// One device the caller owns or received; otherwise `DEVICE_NOT_FOUND`.
    public func device(
        _ caller: AccountID, _ id: DeviceID,
        at now: Timestamp = Timestamp.now()
    ) throws(SharingError) -> DeviceView {
        guard let v = deviceView(caller, id, at: now) else { throw .deviceNotFound(id, field: .deviceId) }
        return v
    }

    /// The caller's devices and the devices shared with it, in id order.
    public func listDevices(
        _ caller: AccountID, cursor: String?, pageSize: Int,
        at now: Timestamp = Timestamp.now()
    ) throws(SharingError) -> Page<DeviceView> {
        _ = try whoami(caller)
        let size = try limits.pageSize(pageSize)
        let after = try PageCursor.decode(cursor)
        let owned = devicesByOwner[caller] ?? []
        let received = sharesByUser[caller] ?? []
        let (page, next) = PageCursor.page(owned.union(received), after: after, size: size)
        return Page(items: page.compactMap { deviceView(caller, $0, at: now) }, nextCursor: next)
    }

    private func deviceView(_ caller: AccountID, _ id: DeviceID, at now: Timestamp) -> DeviceView? {
        guard let d = devices[id] else { return nil }
        if d.owner == caller { return DeviceView(device: d, role: .owner(shareCount: liveShareCount(id, at: now))) }
        guard let share = liveShare(ShareKey(device: id, user: caller), at: now), let owner = accounts[d.owner] else {
            return nil
        }
        return DeviceView(
            device: d.visible(through: share.access, pending: share.isPending),
            role: .recipient(sharedBy: owner.email, access: share.access), expiresAt: share.expiresAt,
            acceptBy: share.acceptBy)
    }

    /// The shares of a device the caller owns, in user id order.
    public func listShares(
        _ caller: AccountID, device id: DeviceID, cursor: String?, pageSize: Int,
        at now: Timestamp = Timestamp.now()
    ) throws(SharingError) -> Page<ShareView> {
        _ = try ownedDevice(caller, id, field: .deviceId)
        let size = try limits.pageSize(pageSize)
        let after = try PageCursor.decode(cursor)
        let (page, next) = PageCursor.page(sharesByDevice[id] ?? [], after: after, size: size)
        let items = page.compactMap { user -> ShareView? in
            guard let s = liveShare(ShareKey(device: id, user: user), at: now), let a = accounts[user] else {
                return nil
            }
            return ShareView(share: s, email: a.email)
        }
        return Page(items: items, nextCursor: next)
    }

    /// The people shared on *every* one of the caller's `devices`: what a bulk
    /// stop-sharing may offer. Sorted by email.
    public func commonSharees(
        _ caller: AccountID, devices ids: [DeviceID],
        at now: Timestamp = Timestamp.now()
    ) throws(SharingError) -> [AccountSummary] {
        let unique = uniqued(ids)
        if unique.isEmpty { throw SharingError(.emptySelection, field: .deviceIds, message: "no devices given") }
        if unique.count > limits.maxDevicesPerCall {
            throw SharingError(
                .limitExceeded, subject: String(unique.count), field: .deviceIds, limit: .devicesPerCall,
                message: "at most \(limits.maxDevicesPerCall) devices per call")
        }
        for id in unique { _ = try ownedDevice(caller, id) }
        var common = sharesByDevice[unique[0]] ?? []
        for id in unique.dropFirst() {
            common = common.intersection(sharesByDevice[id] ?? [])
            if common.isEmpty { break }
        }
        let live = common.filter { u in unique.allSatisfy { liveShare(ShareKey(device: $0, user: u), at: now) != nil } }
        return live.compactMap { u in accounts[u].map { AccountSummary(id: u, email: $0.email) } }
            .sorted { $0.email < $1.email }
    }

    /// The share `key` unless it has ended at `now` (the row may still be there).
    func liveShare(_ key: ShareKey, at now: Timestamp) -> Share? {
        guard let s = shares[key], !s.hasEnded(at: now) else { return nil }
        return s
    }

    /// How many shares of `device` have not ended at `now`.
    func liveShareCount(_ device: DeviceID, at now: Timestamp) -> Int {
        if expiring.isEmpty { return sharesByDevice[device]?.count ?? 0 }  // nothing can have ended
        return (sharesByDevice[device] ?? []).reduce(0) {
            $0 + (liveShare(ShareKey(device: device, user: $1), at: now) == nil ? 0 : 1)
        }
    }

    /// Whether `account` owns `device` (an unknown device is no one's).
    public func owns(_ account: AccountID, _ device: DeviceID) -> Bool {
        devices[device]?.owner == account
    }

    /// The device `caller` owns, for an owner-only query or write: the one
    /// owner check. A recipient gets `NOT_DEVICE_OWNER`; anyone else
    /// `DEVICE_NOT_FOUND`, so strangers cannot probe which ids exist.
    func ownedDevice(_ caller: AccountID, _ id: DeviceID, field: SharingError.Field = .deviceIds) throws(SharingError)
        -> Device
    {
        guard let d = devices[id] else { throw .deviceNotFound(id, field: field) }
        if d.owner == caller { return d }
        if shares[ShareKey(device: id, user: caller)] != nil { throw .notOwner(id, field: field) }
        throw .deviceNotFound(id, field: field)
    }
}
