extension ApplyContext {
    /// Deletes one of the actor's devices: every share of it ends (each
    /// recipient told with `device.deleted` unless `notify` is false), then
    /// the device and its services go. Events that mention it are kept.
    ///
    /// Bounded like a bulk write: a device with more than `maxPairsPerBulk`
    /// shares is refused (`LIMIT_EXCEEDED`, field `deviceId`): remove shares first.
    mutating func deleteDevice(_ id: DeviceID, notify: Bool) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let device = try ownedDevice(id, field: .deviceId)
        let recipients = (state.sharesByDevice[id] ?? []).sorted()
        if recipients.count > limits.maxPairsPerBulk {
            throw SharingError(
                .limitExceeded, subject: id.external, field: .deviceId, limit: .pairsPerBulk,
                message: "the device has \(recipients.count) shares, more than \(limits.maxPairsPerBulk) "
                    + "one write may remove; remove some shares first")
        }
        if notify {
            for user in recipients {
                notifyContact(
                    .deviceDeleted, account: user,
                    data: NotificationData(actorEmail: me.email, deviceNames: [device.name]))
            }
        }
        removeDevice(device, reason: .deviceDeleted)
        record(
            .deviceDeleted, devices: [id], users: recipients,
            detail: "name=\(device.name) sharesRemoved=\(recipients.count)")
        return finish(.deleted(devices: 1, shares: recipients.count, contacts: 0))
    }

    /// Deletes the actor's account: its devices with their shares, the
    /// shares it received, its address book, then the account. Other owners'
    /// contact entries with its email stay (and show no account again);
    /// events are kept. Everyone it shared with, either way, is told once
    /// (`account.closed`, naming the devices of both directions), unless
    /// `notify` is false.
    ///
    /// `confirmEmail` must be the account's own email (`INVALID_ARGUMENT`,
    /// field `confirmEmail`): a key mixed up with another account's does not
    /// delete it. Bounded like a bulk write: more than `maxPairsPerBulk`
    /// devices and shares together is `LIMIT_EXCEEDED` (field `account`):
    /// delete devices first.
    mutating func deleteAccount(confirmEmail: String, notify: Bool) throws(SharingError) -> Applied {
        let me = try actorAccount()
        guard let confirmed = try? Email(confirmEmail, field: .confirmEmail), confirmed == me.email else {
            throw SharingError(
                .invalidArgument, subject: String(confirmEmail.prefix(Limits.maxEmailLength)),
                field: .confirmEmail, message: "confirm with the account's own email")
        }
        let owned = (state.devicesByOwner[actor] ?? []).sorted()
        let received = (state.sharesByUser[actor] ?? []).sorted()
        let ownedShares = owned.reduce(0) { $0 + (state.sharesByDevice[$1]?.count ?? 0) }
        let rows = owned.count + ownedShares + received.count
        if rows > limits.maxPairsPerBulk {
            throw SharingError(
                .limitExceeded, subject: actor.external, field: .account, limit: .pairsPerBulk,
                message: "the account has \(owned.count) devices and \(ownedShares + received.count) "
                    + "shares, more than \(limits.maxPairsPerBulk) one write may remove; delete devices first")
        }
        // Who is told what, before the rows the notifications read go.
        var removedFrom: [AccountID: [DeviceID]] = [:]
        for d in owned {
            for user in (state.sharesByDevice[d] ?? []).sorted() { removedFrom[user, default: []].append(d) }
        }
        var leftFrom: [AccountID: [DeviceID]] = [:]
        for d in received {
            if let owner = state.devices[d]?.owner { leftFrom[owner, default: []].append(d) }
        }
        if notify {
            // One notice per person: its devices they had, then theirs it had. In the language this
            // account set on its contact entry for them, else their own (notifyContact).
            for user in Set(removedFrom.keys).union(leftFrom.keys).sorted() {
                let devices = (removedFrom[user] ?? []) + (leftFrom[user] ?? [])
                notifyContact(
                    .accountClosed, account: user,
                    data: NotificationData(actorEmail: me.email, deviceNames: names(devices)))
            }
        }
        revocation = .accountDeleted
        for d in received { delete(ShareKey(device: d, user: actor)) }
        for d in owned { if let device = state.devices[d] { removeDevice(device, reason: .accountDeleted) } }
        let contacts = (state.contactsByOwner[actor]?.values).map { Array($0) } ?? []
        let users = Set(removedFrom.keys).union(leftFrom.keys).sorted()
        record(
            .accountDeleted, devices: owned, users: users,
            detail: "devices=\(owned.count) sharesRemoved=\(ownedShares + received.count) contacts=\(contacts.count)")
        for id in contacts.sorted() {
            guard let c = state.contacts[id] else { continue }
            state.removeContact(c)
            changes.mutations.append(.deleteContact(id))
        }
        state.removeAccount(actor)
        changes.mutations.append(.deleteAccount(actor))
        return finish(.deleted(devices: owned.count, shares: ownedShares + received.count, contacts: contacts.count))
    }

    /// Ends every share of `device`, records the owner losing it, and deletes
    /// the device row (its services go with it in storage).
    private mutating func removeDevice(_ device: Device, reason: AccessChangeCause) {
        revocation = reason
        for user in (state.sharesByDevice[device.id] ?? []).sorted() { delete(ShareKey(device: device.id, user: user)) }
        recordAccess(device.id, device.owner, reason, .none)
        state.removeDevice(device.id)
        changes.mutations.append(.deleteDevice(device.id))
    }
}
