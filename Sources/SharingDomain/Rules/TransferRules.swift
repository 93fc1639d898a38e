extension ApplyContext {
    /// Moves devices to one of the actor's contacts that has an account
    /// (`CONTACT_NOT_FOUND` / `CONTACT_HAS_NO_ACCOUNT` otherwise, as for a
    /// share). Every share on them is removed (the new owner decides who gets
    /// access); sender, receiver and every former recipient are told.
    mutating func transfer(
        devices rawDevices: [DeviceID], toEmail text: String,
        notify: Bool
    ) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let ids = uniqued(rawDevices)
        if ids.isEmpty { throw SharingError(.emptySelection, field: .deviceIds, message: "no devices given") }
        if ids.count > limits.maxDevicesPerCall {
            throw SharingError(
                .limitExceeded, subject: String(ids.count), field: .deviceIds, limit: .devicesPerCall,
                message: "at most \(limits.maxDevicesPerCall) devices per call")
        }
        // Authorize before looking at the target, so a stranger learns nothing about it.
        let devices = try ownedDevices(ids)
        let email = try Email(text, field: .toEmail)
        if email == me.email {
            throw SharingError(
                .transferToSelf, subject: email.value, field: .toEmail, message: "you already own these devices")
        }
        // Like sharing, a transfer goes to a contact with an account.
        let target = try contactAccount(email, field: .toEmail)
        let targetOwned = state.devicesByOwner[target]?.count ?? 0
        if targetOwned + devices.count > limits.maxDevicesPerAccount {
            throw SharingError(
                .limitExceeded, subject: email.value, field: .toEmail, limit: .devicesPerAccount,
                message: "the receiver would own more than \(limits.maxDevicesPerAccount) devices")
        }
        revocation = .deviceTransferred
        var formerRecipients: [AccountID: [DeviceID]] = [:]
        var recipientOrder: [AccountID] = []
        for var d in devices {
            for user in (state.sharesByDevice[d.id] ?? []).sorted() {
                delete(ShareKey(device: d.id, user: user))
                if formerRecipients[user] == nil { recipientOrder.append(user) }
                formerRecipients[user, default: []].append(d.id)
            }
            d.owner = target
            d.updatedAt = at
            put(d)
        }
        let names = devices.map(\.name)
        record(
            .deviceTransferred, devices: ids, users: [target] + recipientOrder,
            detail: "to=\(target) sharesRemoved=\(formerRecipients.values.reduce(0) { $0 + $1.count })")
        guard notify else { return finish(.count(created: 0, updated: 0, removed: ids.count)) }
        self.notify(
            .transferSent, account: actor,
            data: NotificationData(actorEmail: me.email, otherEmail: email, deviceNames: names))
        notifyContact(
            .transferReceived, account: target,
            data: NotificationData(actorEmail: me.email, otherEmail: email, deviceNames: names))
        for user in recipientOrder where user != target {
            notifyContact(
                .shareRemoved, account: user,
                data: NotificationData(actorEmail: me.email, deviceNames: self.names(formerRecipients[user]!)))
        }
        return finish(.count(created: 0, updated: 0, removed: ids.count))
    }
}
