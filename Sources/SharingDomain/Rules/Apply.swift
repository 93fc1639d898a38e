extension SharingState {
    /// Applies one write: validates it against this state and returns the next
    /// state, the changes to persist and the outcome. Pure: `self` is never
    /// changed, and a thrown error means nothing happened.
    ///
    /// - Parameters:
    ///   - actor: the authenticated caller; `nil` only for `createAccount`.
    ///   - at: the time to stamp rows, events and notifications with.
    public func apply(_ command: SharingCommand, actor: AccountID?, at: Timestamp) throws(SharingError) -> Applied {
        if case let .createAccount(email, language, hash) = command {
            return try createAccount(email: email, language: language, apiKeyHash: hash, at: at)
        }
        if case .expireShares = command { return expireShares(at: at) }
        guard let actor else {
            throw SharingError(.unauthenticated, field: .actor, message: "this write needs an authenticated account")
        }
        var cx = ApplyContext(state: self, actor: actor, at: at)
        _ = try cx.actorAccount()
        switch command {
        case .createAccount, .expireShares:
            preconditionFailure("handled above")
        case let .createAPIKey(name, hash):
            return try cx.createAPIKey(name: name, hash: hash)
        case let .revokeAPIKey(id):
            return try cx.revokeAPIKey(id)
        case let .createContact(email, fields):
            return try cx.createContact(email: email, fields: fields)
        case let .updateContact(email, fields):
            return try cx.updateContact(email: email, fields: fields)
        case let .deleteContact(email, notify):
            return try cx.deleteContact(email: email, notify: notify)
        case let .inviteContact(email, resend):
            return try cx.inviteContact(email: email, resend: resend)
        case let .registerDevice(name, services):
            return try cx.registerDevice(name: name, services: services)
        case let .renameDevice(id, name):
            return try cx.renameDevice(id, name: name)
        case let .addService(id, spec):
            return try cx.addService(id, spec)
        case let .removeService(id, service):
            return try cx.removeService(id, service)
        case let .share(devices, emails, access, notify, expiresAt, requireAcceptance):
            return try cx.share(
                devices: devices, emails: emails, access: access, notify: notify, expiresAt: expiresAt,
                requireAcceptance: requireAcceptance)
        case let .respondToInvitations(devices, accept):
            return try cx.respondToInvitations(devices: devices, accept: accept)
        case let .updateShare(device, email, access, notify, expiry):
            return try cx.updateShare(device: device, email: email, access: access, notify: notify, expiry: expiry)
        case let .removeShares(devices, emails, notify):
            return try cx.removeShares(devices: devices, emails: emails, notify: notify)
        case let .leave(devices, notify):
            return try cx.leave(devices: devices, notify: notify)
        case let .transfer(devices, toEmail, notify):
            return try cx.transfer(devices: devices, toEmail: toEmail, notify: notify)
        case let .deleteDevice(id, notify):
            return try cx.deleteDevice(id, notify: notify)
        case let .deleteAccount(confirmEmail, notify):
            return try cx.deleteAccount(confirmEmail: confirmEmail, notify: notify)
        }
    }
}
