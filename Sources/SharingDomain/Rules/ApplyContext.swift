/// The working area of one write: a private copy of the state, and the
/// changes, events and notifications accumulated so far.
///
/// Rules validate first and mutate after, but even a late throw is safe: the
/// copy is dropped and the caller's state is untouched (all-or-nothing).
struct ApplyContext {
    var state: SharingState
    var changes = Changes()
    /// Who acts; the expiry write (no caller) acts as each device's owner in turn.
    var actor: AccountID
    let at: Timestamp
    /// The revision this write will have.
    let revision: UInt64
    /// Why shares this write deletes end (the access-change feed); rules
    /// that end shares for another reason than RemoveShares set it first.
    var revocation: AccessChangeCause = .shareRemoved

    init(state: SharingState, actor: AccountID, at: Timestamp) {
        self.state = state
        self.actor = actor
        self.at = at
        self.revision = state.revision + 1
    }

    var limits: Limits { state.limits }

    /// The actor's account; an unknown actor is not authenticated.
    func actorAccount() throws(SharingError) -> Account {
        guard let a = state.accounts[actor] else {
            throw SharingError(.unauthenticated, subject: actor.external, field: .actor, message: "unknown account")
        }
        return a
    }

    /// A device the actor owns (``SharingState/ownedDevice(_:_:field:)``).
    func ownedDevice(_ id: DeviceID, field: SharingError.Field = .deviceIds) throws(SharingError) -> Device {
        try state.ownedDevice(actor, id, field: field)
    }

    mutating func nextID<ID: SharingID>(_ path: WritableKeyPath<IDCounters, UInt64>, _: ID.Type) -> ID {
        state.counters[keyPath: path] += 1
        return ID(raw: state.counters[keyPath: path])
    }

    mutating func record(_ kind: EventKind, devices: [DeviceID] = [], users: [AccountID] = [], detail: String = "") {
        var involved = [actor]
        for u in users where u != actor && !involved.contains(u) { involved.append(u) }
        let id: EventID = nextID(\.event, EventID.self)
        changes.events.append(
            Event(
                id: id, revision: revision, at: at, actor: actor, kind: kind,
                devices: devices, users: involved, detail: detail))
    }

    mutating func notify(
        _ template: NotificationTemplate, to email: Email, account: AccountID?,
        language: Language, data: NotificationData
    ) {
        let rendered = NotificationTemplates.render(template, language: language, data: data)
        state.counters.notification += 1
        changes.notifications.append(
            OutboxNotification(
                sequence: state.counters.notification, revision: revision, createdAt: at, recipientEmail: email,
                recipient: account, language: language, template: template,
                subject: rendered.subject, body: rendered.body))
    }

    /// Notifies an account in its own language (mails about its own devices
    /// and actions: someone left a device it shares, a transfer it made).
    mutating func notify(_ template: NotificationTemplate, account: AccountID, data: NotificationData) {
        guard let a = state.accounts[account] else { return }
        notify(template, to: a.email, account: a.id, language: a.language, data: data)
    }

    /// Notifies a person of something the actor did to them (shared, changed,
    /// removed, transferred) in the language the actor set on their contact
    /// entry for that person, as the guides say; in the person's own
    /// language when they are not the actor's contact.
    mutating func notifyContact(_ template: NotificationTemplate, account: AccountID, data: NotificationData) {
        guard let a = state.accounts[account] else { return }
        let language = state.contactsByOwner[actor]?[a.email].flatMap { state.contacts[$0]?.language } ?? a.language
        notify(template, to: a.email, account: a.id, language: language, data: data)
    }

    mutating func finish(_ outcome: WriteOutcome) -> Applied {
        state.revision = revision
        return Applied(state: state, changes: changes, outcome: outcome)
    }

    // MARK: - Mutations that keep state and changes in step

    /// `indexed: false` leaves the by-device and by-user indexes to the bulk
    /// rule (``SharingState/indexShares(_:present:)``).
    mutating func put(_ share: Share, indexed: Bool = true) {
        // A pending invitation grants nothing: only an active share counts as access.
        let stored = state.shares[share.key]
        let before = stored.flatMap { $0.isPending ? nil : $0 }
        state.putShare(share, indexed: indexed)
        changes.mutations.append(.putShare(share, hadPorts: !(stored?.access.services.isEmpty ?? true)))
        if !share.isPending, before?.access != share.access || before?.expiresAt != share.expiresAt {
            let kind: AccessChangeCause =
                before == nil
                ? .shareCreated
                : revocation == .serviceRemoved ? .serviceRemoved : .shareUpdated
            recordAccess(share.device, share.user, kind, .shared(share.access, expiresAt: share.expiresAt))
        }
    }

    mutating func delete(_ key: ShareKey, indexed: Bool = true) {
        let hadAccess = state.shares[key].map { !$0.isPending } ?? false
        recordAccess(key.device, key.user, revocation, .none, when: hadAccess)
        state.removeShare(key, indexed: indexed)
        changes.mutations.append(.deleteShare(key))
    }

    mutating func put(_ device: Device) {
        let previousOwner = state.devices[device.id]?.owner
        state.putDevice(device)
        changes.mutations.append(.putDevice(device))
        if let previousOwner, previousOwner != device.owner {
            recordAccess(device.id, previousOwner, .deviceTransferred, .none)
            recordAccess(device.id, device.owner, .deviceTransferred, .owner)
        }
    }

    /// Records a change of `user`'s access to `device` for the access-change
    /// feed; `owner` is the device's owner as the state has it now.
    mutating func recordAccess(
        _ device: DeviceID, _ user: AccountID, _ kind: AccessChangeCause, _ grant: AccessGrant,
        when condition: Bool = true
    ) {
        guard condition, let owner = state.devices[device]?.owner else { return }
        changes.accessChanges.append(
            AccessChangeRecord(
                revision: revision, position: changes.accessChanges.count, at: at, device: device, user: user,
                owner: owner, kind: kind, grant: grant))
    }

    mutating func put(_ contact: Contact) {
        state.putContact(contact)
        changes.mutations.append(.putContact(contact))
    }
}

/// Orders-preserving de-duplication.
func uniqued<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    var out: [T] = []
    out.reserveCapacity(items.count)
    for i in items where seen.insert(i).inserted { out.append(i) }
    return out
}
