import HashTreeCollections

/// Time-limited shares (docs/DOMAIN.md §2, "Expiry").
///
/// Check answers "no" from a share's `expiresAt` on, by comparing with the
/// snapshot's clock: nothing has to run for the access to end. The expiry
/// *write* (``SharingCommand/expireShares``) comes after, from the server's
/// timer, and only records what already holds: it removes the expired rows,
/// records `share.expired` and notifies both sides.
extension ApplyContext {
    /// Validates a requested expiry against the write's time: strictly in the
    /// future, and at most ``Limits/maxShareLifetimeMs`` ahead.
    func validateExpiry(_ expiresAt: Timestamp?) throws(SharingError) {
        guard let expiresAt else { return }
        if expiresAt <= at {
            throw SharingError(
                .invalidArgument, subject: String(expiresAt.millisecondsSinceEpoch), field: .expiresAtMs,
                message: "the expiry must be in the future (server time \(at.millisecondsSinceEpoch) ms)")
        }
        let (latest, overflow) = at.millisecondsSinceEpoch.addingReportingOverflow(limits.maxShareLifetimeMs)
        if overflow || expiresAt.millisecondsSinceEpoch > latest {
            throw SharingError(
                .limitExceeded, subject: String(expiresAt.millisecondsSinceEpoch), field: .expiresAtMs,
                limit: .shareLifetimeMs,
                message: "a share may last at most \(limits.maxShareLifetimeMs / 86_400_000) days")
        }
    }
}

extension SharingState {
    /// The earliest expiry of any share still in the state, or `nil`: when the
    /// expiry timer must next write. O(shares with an expiry).
    public var nextExpiry: Timestamp? {
        var earliest: Timestamp?
        for (_, e) in expiring where earliest.map({ e < $0 }) ?? true { earliest = e }
        return earliest
    }

    /// How many shares have an expiry (for tests and metrics).
    public var expiringShareCount: Int { expiring.count }

    /// Removes every share whose expiry is at or before `at`, with a
    /// `share.expired` event per device (actor: its owner, who set the
    /// expiry) and notifications to both sides: each recipient once per
    /// owner, each owner once per recipient.
    ///
    /// Finding nothing due writes nothing: the state comes back unchanged,
    /// with the same revision, so the writer commits nothing. This is what
    /// makes it safe for every instance of a cluster to run the timer: the
    /// writes are serialized by the store's revision lock, and whichever comes
    /// second finds the rows already gone.
    func expireShares(at: Timestamp) -> Applied {
        var due: [ShareKey] = []
        for (key, e) in expiring where e <= at { due.append(key) }
        guard !due.isEmpty else {
            return Applied(state: self, changes: Changes(), outcome: .count(created: 0, updated: 0, removed: 0))
        }
        due.sort { ($0.device, $0.user) < ($1.device, $1.user) }
        // Invitations not accepted in time lapse: removed with a share.declined
        // event (reason=invitation.expired) and no access change (they gave no
        // access); the owner hears of it, once per recipient.
        let lapsed = due.filter { shares[$0]?.isPending == true }
        due.removeAll { shares[$0]?.isPending == true }
        // Grouped by owner, then device; owners and devices in id order.
        var byOwner: [AccountID: [DeviceID: [AccountID]]] = [:]
        for key in due {
            guard let owner = devices[key.device]?.owner else { continue }
            byOwner[owner, default: [:]][key.device, default: []].append(key.user)
        }
        let firstOwner = (due + lapsed).compactMap { devices[$0.device]?.owner }.min()!
        var cx = ApplyContext(state: self, actor: firstOwner, at: at)
        var unanswered: [AccountID: [AccountID: [DeviceID]]] = [:]
        for key in lapsed {
            guard let owner = devices[key.device]?.owner else { continue }
            cx.actor = owner
            cx.delete(key)
            cx.record(.shareDeclined, devices: [key.device], users: [key.user], detail: "reason=invitation.expired")
            unanswered[owner, default: [:]][key.user, default: []].append(key.device)
        }
        for owner in unanswered.keys.sorted() {
            guard let ownerAccount = accounts[owner] else { continue }
            cx.actor = owner
            for user in unanswered[owner]!.keys.sorted() {
                guard let recipient = accounts[user] else { continue }
                cx.notify(
                    .invitationExpired, account: owner,
                    data: NotificationData(
                        actorEmail: ownerAccount.email, otherEmail: recipient.email,
                        deviceNames: cx.names(unanswered[owner]![user]!)))
            }
        }
        cx.revocation = .shareExpired
        for owner in byOwner.keys.sorted() {
            cx.actor = owner
            let perDevice = byOwner[owner]!
            var perRecipient: [AccountID: [DeviceID]] = [:]
            for device in perDevice.keys.sorted() {
                let users = perDevice[device]!
                for user in users {
                    cx.delete(ShareKey(device: device, user: user))
                    perRecipient[user, default: []].append(device)
                }
                cx.record(.shareExpired, devices: [device], users: users, detail: "reason=expired")
            }
            guard let ownerAccount = accounts[owner] else { continue }
            for user in perRecipient.keys.sorted() {
                guard let recipient = accounts[user] else { continue }
                let names = cx.names(perRecipient[user]!)
                // The recipient in the language the owner set on their contact entry.
                cx.notifyContact(
                    .shareExpired, account: user,
                    data: NotificationData(
                        actorEmail: ownerAccount.email, otherEmail: recipient.email,
                        deviceNames: names))
                cx.notify(
                    .shareExpiredOwner, account: owner,
                    data: NotificationData(
                        actorEmail: ownerAccount.email, otherEmail: recipient.email,
                        deviceNames: names))
            }
        }
        return cx.finish(.count(created: 0, updated: 0, removed: due.count + lapsed.count))
    }
}
