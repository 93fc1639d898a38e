/// The sharing rules: share, update, remove, leave.
///
/// Each validates the whole request before touching anything, so a rejected
/// bulk call leaves no trace, and names the first offending id or email.
extension ApplyContext {
    mutating func share(
        devices rawDevices: [DeviceID], emails rawEmails: [String], access: AccessRequest,
        notify: Bool, expiresAt: Timestamp?, requireAcceptance: Bool = false
    ) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let deviceIDs = uniqued(rawDevices)
        let emails = try parseEmails(rawEmails)
        try checkSelection(devices: deviceIDs.count, emails: emails.count)
        try validate(access)
        try validateExpiry(expiresAt)
        let devices = try ownedDevices(deviceIDs)
        // Port numbers resolve per device, so each device may get its own service set.
        var granted: [ShareAccess] = []
        granted.reserveCapacity(devices.count)
        for d in devices { granted.append(try access.resolved(on: d)) }
        var users: [AccountID] = []
        for email in emails {
            if email == me.email {
                throw SharingError(
                    .shareToSelf, subject: email.value, field: .emails, message: "you cannot share with yourself")
            }
            users.append(try contactAccount(email, field: .emails))
        }

        // Valid: apply every pair.
        var created: [AccountID: [DeviceID]] = [:]
        var updated: [AccountID: [DeviceID]] = [:]
        // Pending invitations whose terms changed: still pending, told as a fresh invitation.
        var reinvited: [AccountID: [DeviceID]] = [:]
        var answerBy: [AccountID: Timestamp] = [:]
        var createdCount = 0, updatedCount = 0
        // New shares join the by-device and by-user indexes after the loop, once per device and user.
        var createdKeys: [ShareKey] = []
        for (d, deviceAccess) in zip(devices, granted) {
            for user in users {
                let key = ShareKey(device: d.id, user: user)
                // A share that ended (expired, or lapsed unanswered) but is not removed yet is over:
                // end it as the expiry write would, then share anew.
                if state.shares[key]?.hasEnded(at: at) == true { endLapsed(key) }
                if var existing = state.shares[key] {
                    // Nothing to change.
                    guard existing.access != deviceAccess || existing.expiresAt != expiresAt else { continue }
                    existing.access = deviceAccess
                    existing.expiresAt = expiresAt
                    existing.updatedAt = at
                    put(existing)
                    if let acceptBy = existing.acceptBy {
                        reinvited[user, default: []].append(d.id)
                        answerBy[user] = min(answerBy[user] ?? acceptBy, acceptBy)
                    } else {
                        updated[user, default: []].append(d.id)
                    }
                    updatedCount += 1
                } else {
                    // With requireAcceptance a new share is an invitation: no access until accepted.
                    let acceptBy =
                        requireAcceptance
                        ? Timestamp(millisecondsSinceEpoch: at.millisecondsSinceEpoch &+ limits.invitationLifetimeMs)
                        : nil
                    put(
                        Share(
                            device: d.id, user: user, access: deviceAccess, createdAt: at, updatedAt: at,
                            expiresAt: expiresAt, acceptBy: acceptBy), indexed: false)
                    createdKeys.append(key)
                    created[user, default: []].append(d.id)
                    createdCount += 1
                }
            }
        }
        state.indexShares(createdKeys, present: true)
        let detail = describe(access) + describe(expiresAt) + (requireAcceptance ? " acceptance=required" : "")
        if createdCount > 0 {
            record(
                .shareCreated, devices: devicesIn(created), users: users.filter { created[$0] != nil }, detail: detail)
        }
        if updatedCount > 0 {
            let changed = updated.merging(reinvited) { $0 + $1 }
            record(
                .shareUpdated, devices: devicesIn(changed), users: users.filter { changed[$0] != nil }, detail: detail)
        }
        if notify {
            for user in users {
                if let ds = created[user] {
                    notifyContact(
                        requireAcceptance ? .shareInvitation : .shared, account: user,
                        data: NotificationData(
                            actorEmail: me.email, deviceNames: names(ds), access: access,
                            days: Int(limits.invitationLifetimeMs / 86_400_000)))
                }
                if let ds = updated[user] {
                    notifyContact(
                        .shareUpdated, account: user,
                        data: NotificationData(actorEmail: me.email, deviceNames: names(ds), access: access))
                }
                if let ds = reinvited[user], let by = answerBy[user] {
                    notifyContact(
                        .shareInvitation, account: user,
                        data: NotificationData(
                            actorEmail: me.email, deviceNames: names(ds), access: access,
                            days: daysLeft(until: by)))
                }
            }
        }
        return finish(.count(created: createdCount, updated: updatedCount, removed: 0))
    }

    mutating func updateShare(
        device id: DeviceID, email text: String, access request: AccessRequest,
        notify: Bool, expiry: ExpiryUpdate
    ) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let device = try ownedDevice(id, field: .deviceId)
        let email = try Email(text)
        try validate(request)
        if case let .at(instant) = expiry { try validateExpiry(instant) }
        let access = try request.resolved(on: device)
        // A share that has ended (expired or lapsed) is over, as the lists show: share again instead.
        guard let user = state.accountByEmail[email], var share = state.shares[ShareKey(device: id, user: user)],
            !share.hasEnded(at: at)
        else {
            throw SharingError(
                .shareNotFound, subject: email.value, field: .email,
                message: "the device is not shared with this person")
        }
        let expiresAt: Timestamp?
        switch expiry {
        case .keep: expiresAt = share.expiresAt
        case .clear: expiresAt = nil
        case let .at(instant): expiresAt = instant
        }
        guard share.access != access || share.expiresAt != expiresAt else {
            return finish(.count(created: 0, updated: 0, removed: 0))
        }
        share.access = access
        share.expiresAt = expiresAt
        share.updatedAt = at
        put(share)
        // A pending invitation stays pending, with its answer-by time: the
        // recipient is invited again to the new terms (it has no access to change).
        record(
            .shareUpdated, devices: [id], users: [user],
            detail: describe(request) + describe(expiresAt) + (share.isPending ? " acceptance=pending" : ""))
        if notify {
            if let acceptBy = share.acceptBy {
                notifyContact(
                    .shareInvitation, account: user,
                    data: NotificationData(
                        actorEmail: me.email, deviceNames: [device.name], access: request,
                        days: daysLeft(until: acceptBy)))
            } else {
                notifyContact(
                    .shareUpdated, account: user,
                    data: NotificationData(actorEmail: me.email, deviceNames: [device.name], access: request))
            }
        }
        return finish(.count(created: 0, updated: 1, removed: 0))
    }

    /// Pairs without a share, and emails without an account, are no-ops: removing
    /// is idempotent. Devices must all be the actor's.
    mutating func removeShares(
        devices rawDevices: [DeviceID], emails rawEmails: [String],
        notify: Bool
    ) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let deviceIDs = uniqued(rawDevices)
        let emails = try parseEmails(rawEmails)
        try checkSelection(devices: deviceIDs.count, emails: emails.count)
        let devices = try ownedDevices(deviceIDs)
        let users = emails.compactMap { state.accountByEmail[$0] }
        var removed: [AccountID: [DeviceID]] = [:]
        var removedKeys: [ShareKey] = []
        for d in devices {
            for user in users where state.shares[ShareKey(device: d.id, user: user)] != nil {
                // Out of the indexes after the loop, once per device and user.
                delete(ShareKey(device: d.id, user: user), indexed: false)
                removed[user, default: []].append(d.id)
                removedKeys.append(ShareKey(device: d.id, user: user))
            }
        }
        let count = removedKeys.count
        state.indexShares(removedKeys, present: false)
        if count > 0 {
            record(.shareRemoved, devices: devicesIn(removed), users: users.filter { removed[$0] != nil })
            if notify {
                for user in users {
                    guard let ds = removed[user] else { continue }
                    notifyContact(
                        .shareRemoved, account: user,
                        data: NotificationData(actorEmail: me.email, deviceNames: names(ds)))
                }
            }
        }
        return finish(.count(created: 0, updated: 0, removed: count))
    }

    /// A recipient removes itself. Every device must be shared with the actor;
    /// each owner is told, unless `notify` is false.
    mutating func leave(devices rawDevices: [DeviceID], notify: Bool) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let ids = uniqued(rawDevices)
        if ids.isEmpty {
            throw SharingError(.emptySelection, field: .deviceIds, message: "no devices given")
        }
        if ids.count > limits.maxDevicesPerCall {
            throw SharingError(
                .limitExceeded, subject: String(ids.count), field: .deviceIds, limit: .devicesPerCall,
                message: "at most \(limits.maxDevicesPerCall) devices per call")
        }
        var byOwner: [AccountID: [DeviceID]] = [:]
        var owners: [AccountID] = []
        for id in ids {
            guard state.shares[ShareKey(device: id, user: actor)] != nil, let d = state.devices[id] else {
                throw SharingError(
                    .shareNotFound, subject: id.external, field: .deviceIds,
                    message: "this device is not shared with you")
            }
            if byOwner[d.owner] == nil { owners.append(d.owner) }
            byOwner[d.owner, default: []].append(id)
        }
        revocation = .shareLeft
        for id in ids { delete(ShareKey(device: id, user: actor)) }
        record(.shareLeft, devices: ids, users: owners)
        for owner in owners where notify {
            self.notify(
                .left, account: owner,
                data: NotificationData(actorEmail: me.email, deviceNames: names(byOwner[owner]!)))
        }
        return finish(.count(created: 0, updated: 0, removed: ids.count))
    }

    // MARK: helpers

    /// Ends a share whose time is up ahead of the expiry write, with the
    /// event and access change that write would record (no notification: the
    /// owner is sharing again right now). An invitation that lapsed records
    /// `share.declined`, an expired share `share.expired`.
    mutating func endLapsed(_ key: ShareKey) {
        guard let share = state.shares[key] else { return }
        let saved = revocation
        revocation = .shareExpired
        delete(key)
        revocation = saved
        if share.isPending {
            record(.shareDeclined, devices: [key.device], users: [key.user], detail: "reason=invitation.expired")
        } else {
            record(.shareExpired, devices: [key.device], users: [key.user], detail: "reason=expired")
        }
    }

    /// The account of one of the actor's contacts: the only people a device
    /// is shared with or transferred to (docs/DOMAIN.md §2).
    func contactAccount(_ email: Email, field: SharingError.Field) throws(SharingError) -> AccountID {
        guard state.contactsByOwner[actor]?[email] != nil else {
            throw SharingError(
                .contactNotFound, subject: email.value, field: field,
                message: "add this person as a contact first")
        }
        guard let user = state.accountByEmail[email] else {
            throw SharingError(
                .contactHasNoAccount, subject: email.value, field: field,
                message: "this contact has no account yet; invite them first")
        }
        return user
    }

    func parseEmails(_ raw: [String]) throws(SharingError) -> [Email] {
        var out: [Email] = []
        out.reserveCapacity(raw.count)
        for text in raw { out.append(try Email(text, field: .emails)) }
        return uniqued(out)
    }

    func checkSelection(devices: Int, emails: Int) throws(SharingError) {
        if devices == 0 { throw SharingError(.emptySelection, field: .deviceIds, message: "no devices given") }
        if emails == 0 { throw SharingError(.emptySelection, field: .emails, message: "no emails given") }
        let (pairs, overflow) = devices.multipliedReportingOverflow(by: emails)
        if overflow || pairs > limits.maxPairsPerBulk {
            throw SharingError(
                .limitExceeded, subject: overflow ? "overflow" : String(pairs), field: .pairs,
                limit: .pairsPerBulk,
                message: "devices × emails is above the maximum of \(limits.maxPairsPerBulk)")
        }
    }

    func validate(_ access: AccessRequest) throws(SharingError) {
        guard access.mode == .ports else { return }
        if access.entryCount > limits.maxPortsPerShare {
            throw SharingError(
                .limitExceeded, subject: String(access.entryCount),
                field: access.ports.isEmpty ? .serviceIds : .ports, limit: .portsPerShare,
                message: "at most \(limits.maxPortsPerShare) services and ports per share")
        }
        if access.entryCount == 0 && !access.scripting {
            throw SharingError(
                .emptyAccess, field: .serviceIds,
                message: "PORTS with no services or ports grants nothing unless scripting is allowed")
        }
    }

    func ownedDevices(_ ids: [DeviceID]) throws(SharingError) -> [Device] {
        var out: [Device] = []
        out.reserveCapacity(ids.count)
        for id in ids { out.append(try ownedDevice(id)) }
        return out
    }

    func devicesIn(_ m: [AccountID: [DeviceID]]) -> [DeviceID] {
        var all = Set<DeviceID>()
        for ds in m.values { all.formUnion(ds) }
        return all.sorted()
    }

    /// Whole days left to answer an invitation lapsing at `acceptBy`, rounded
    /// up, at least 1 (what a re-sent invitation says).
    func daysLeft(until acceptBy: Timestamp) -> Int {
        let ms = max(acceptBy.millisecondsSinceEpoch - at.millisecondsSinceEpoch, 1)
        return Int((ms + 86_399_999) / 86_400_000)
    }

    /// ` expiresAt=<ms>` for a time-limited share, nothing otherwise.
    func describe(_ expiresAt: Timestamp?) -> String {
        expiresAt.map { " expiresAt=\($0.millisecondsSinceEpoch)" } ?? ""
    }

    func describe(_ access: AccessRequest) -> String {
        var s = "mode=\(access.mode.rawValue)"
        if access.mode == .ports {
            s += " services=" + access.services.sorted().map(\.external).joined(separator: ",")
            if !access.ports.isEmpty { s += " ports=" + access.ports.sorted().map(String.init).joined(separator: ",") }
        }
        s += " scripting=\(access.scripting)"
        return s
    }
}
