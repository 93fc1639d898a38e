/// Share invitations (`require_acceptance`, docs/DOMAIN.md §2): a pending
/// share gives no access until its recipient accepts it.
extension ApplyContext {
    /// The actor, a recipient, accepts or declines its pending invitations to
    /// `devices`, all or nothing. A device with no share for the actor is
    /// `DEVICE_NOT_FOUND` (nothing to learn about others' devices); one whose
    /// share is already accepted is `SHARE_NOT_FOUND` (no pending invitation).
    /// Accepting gives the share's access from now on; declining removes it.
    mutating func respondToInvitations(devices raw: [DeviceID], accept: Bool) throws(SharingError) -> Applied {
        _ = try actorAccount()
        let ids = uniqued(raw)
        if ids.isEmpty { throw SharingError(.emptySelection, field: .deviceIds, message: "no devices given") }
        if ids.count > limits.maxDevicesPerCall {
            throw SharingError(
                .limitExceeded, subject: String(ids.count), field: .deviceIds, limit: .devicesPerCall,
                message: "at most \(limits.maxDevicesPerCall) devices per call")
        }
        var pending: [Share] = []
        var owners: [AccountID] = []
        var byOwner: [AccountID: [DeviceID]] = [:]
        for id in ids {
            // An invitation past its answer-by time has lapsed (the expiry write removes it): gone.
            guard let d = state.devices[id], let share = state.shares[ShareKey(device: id, user: actor)],
                !share.hasEnded(at: at)
            else {
                throw .deviceNotFound(id)
            }
            guard share.isPending else {
                throw SharingError(
                    .shareNotFound, subject: id.external, field: .deviceIds,
                    message: "no pending invitation for this device: the share is already accepted")
            }
            pending.append(share)
            if !owners.contains(d.owner) { owners.append(d.owner) }
            byOwner[d.owner, default: []].append(id)
        }
        revocation = .shareRemoved
        for var share in pending {
            if accept {
                share.acceptBy = nil
                share.updatedAt = at
                put(share)
            } else {
                delete(share.key)
            }
        }
        record(accept ? .shareAccepted : .shareDeclined, devices: ids, users: owners)
        // Each owner hears of the answer, in its own language, as for a recipient leaving.
        let me = try actorAccount()
        for owner in owners {
            notify(
                accept ? .shareAccepted : .shareDeclined, account: owner,
                data: NotificationData(actorEmail: me.email, deviceNames: names(byOwner[owner] ?? [])))
        }
        return finish(.count(created: 0, updated: accept ? ids.count : 0, removed: accept ? 0 : ids.count))
    }
}
