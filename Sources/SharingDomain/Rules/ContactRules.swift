extension ApplyContext {
    mutating func createContact(email text: String, fields: ContactFields) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let email = try Email(text)
        if email == me.email {
            throw SharingError(
                .contactIsSelf, subject: email.value, field: .email, message: "you cannot add yourself as a contact")
        }
        let mine = state.contactsByOwner[actor] ?? [:]
        if mine[email] != nil {
            throw SharingError(
                .contactExists, subject: email.value, field: .email, message: "you already have this contact")
        }
        if mine.count >= limits.maxContactsPerAccount {
            throw SharingError(
                .limitExceeded, subject: String(mine.count + 1), field: .contacts, limit: .contactsPerAccount,
                message: "at most \(limits.maxContactsPerAccount) contacts per account")
        }
        try validate(fields)
        let id: ContactID = nextID(\.contact, ContactID.self)
        // No language given: the person's own, when they have an account, so
        // the mails this owner sends them start in the language they chose.
        let language = fields.language ?? state.accountByEmail[email].flatMap { state.accounts[$0]?.language } ?? .en
        var contact = Contact(id: id, owner: actor, email: email, language: language, createdAt: at, updatedAt: at)
        apply(fields, to: &contact)
        put(contact)
        // Contact events involve only the owner: an address book is private, so
        // the person added must not see it in their own event feed.
        record(.contactCreated, detail: "contact=\(id)")
        return finish(.contact(contact))
    }

    mutating func updateContact(email text: String, fields: ContactFields) throws(SharingError) -> Applied {
        var contact = try myContact(text)
        try validate(fields)
        apply(fields, to: &contact)
        contact.updatedAt = at
        put(contact)
        record(.contactUpdated, detail: "contact=\(contact.id)")
        return finish(.contact(contact))
    }

    /// Deleting a contact revokes every share the owner gave that person:
    /// shares only ever go to contacts, and a person removed from the address
    /// book silently keeping access would be a surprise (docs/DOMAIN.md).
    mutating func deleteContact(email text: String, notify: Bool) throws(SharingError) -> Applied {
        let me = try actorAccount()
        let contact = try myContact(text)
        var revoked: [DeviceID] = []
        if let user = state.accountByEmail[contact.email] {
            for device in state.sharesByUser[user] ?? [] where state.devices[device]?.owner == actor {
                revoked.append(device)
            }
            revoked.sort()
            for device in revoked { delete(ShareKey(device: device, user: user)) }
            if !revoked.isEmpty {
                record(.shareRemoved, devices: revoked, users: [user], detail: "reason=contact.deleted")
                if notify {
                    notifyContact(
                        .shareRemoved, account: user,
                        data: NotificationData(actorEmail: me.email, deviceNames: names(revoked)))
                }
            }
        }
        state.removeContact(contact)
        changes.mutations.append(.deleteContact(contact.id))
        record(.contactDeleted, detail: "contact=\(contact.id) revoked=\(revoked.count)")
        return finish(.count(created: 0, updated: 0, removed: revoked.count))
    }

    mutating func inviteContact(email text: String, resend: Bool) throws(SharingError) -> Applied {
        let me = try actorAccount()
        var contact = try myContact(text)
        if state.accountByEmail[contact.email] != nil {
            throw SharingError(
                .contactHasAccount, subject: contact.email.value, field: .email,
                message: "this contact already has an account")
        }
        let window = Int64(limits.inviteResendWindowSeconds) * 1000
        if !resend, window > 0, let last = contact.invitedAt,
            at.millisecondsSinceEpoch - last.millisecondsSinceEpoch < window
        {
            let minutes = (last.millisecondsSinceEpoch + window - at.millisecondsSinceEpoch + 59_999) / 60_000
            let wait = minutes >= 60 ? "\(minutes / 60) h \(minutes % 60) min" : "\(minutes) min"
            throw SharingError(
                .inviteRecentlySent, subject: contact.email.value, field: .resend,
                message: "an invite was sent to this contact less than "
                    + "\(limits.inviteResendWindowSeconds) s ago; another can go in \(wait), or now with resend")
        }
        contact.invitedAt = at
        contact.updatedAt = at
        put(contact)
        record(.contactInvited, detail: "contact=\(contact.id) language=\(contact.language.rawValue)")
        notify(
            .invite, to: contact.email, account: nil, language: contact.language,
            data: NotificationData(actorEmail: me.email, otherEmail: contact.email))
        return finish(.contact(contact))
    }

    // MARK: helpers

    func myContact(_ text: String) throws(SharingError) -> Contact {
        let email = try Email(text)
        guard let id = state.contactsByOwner[actor]?[email], let c = state.contacts[id] else {
            throw SharingError(.contactNotFound, subject: email.value, field: .email, message: "no such contact")
        }
        return c
    }

    func validate(_ f: ContactFields) throws(SharingError) {
        if let v = f.firstName { try limits.checkName(v, field: .firstName, allowEmpty: true) }
        if let v = f.lastName { try limits.checkName(v, field: .lastName, allowEmpty: true) }
        if let v = f.company { try limits.checkName(v, field: .company, allowEmpty: true) }
    }

    func apply(_ f: ContactFields, to c: inout Contact) {
        if let v = f.firstName { c.firstName = v.isEmpty ? nil : v }
        if let v = f.lastName { c.lastName = v.isEmpty ? nil : v }
        if let v = f.company { c.company = v.isEmpty ? nil : v }
        if let v = f.language { c.language = v }
    }

    func names(_ devices: [DeviceID]) -> [String] {
        devices.map { state.devices[$0]?.name ?? $0.external }
    }
}
