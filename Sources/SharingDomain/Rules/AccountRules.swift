extension SharingState {
    /// - Parameter language: nil takes the language the people who have this
    ///   email as a contact chose for it (``languageFromContacts(of:)``), so
    ///   someone invited in Japanese is not silently English.
    func createAccount(
        email text: String, language requested: Language?, apiKeyHash: APIKeyHash,
        at: Timestamp
    ) throws(SharingError) -> Applied {
        let email = try Email(text)
        let inherited = requested == nil ? languageFromContacts(of: email) : nil
        let language = requested ?? inherited ?? .en
        if accountByEmail[email] != nil {
            throw SharingError(
                .accountExists, subject: email.value, field: .email, message: "an account with this email exists")
        }
        if apiKeyByHash[apiKeyHash] != nil {
            // 2^-256 by chance; only a caller reusing a key gets here.
            throw SharingError(.invalidArgument, field: .apiKey, message: "API key already in use")
        }
        var next = self
        next.counters.account += 1
        let id = AccountID(raw: next.counters.account)
        let account = Account(id: id, email: email, language: language, createdAt: at)
        var cx = ApplyContext(state: next, actor: id, at: at)
        cx.state.putAccount(account)
        cx.changes.mutations.append(.putAccount(account))
        // Its first key: the account.created event stands for it.
        _ = cx.addAPIKey(name: APIKeyRecord.defaultName, hash: apiKeyHash, recordEvent: false)
        cx.record(
            .accountCreated,
            detail: "language=\(language.rawValue)"
                + (requested != nil ? "" : inherited != nil ? " from=contacts" : " from=default"))
        return cx.finish(.account(account))
    }

    /// The language of the contact entry for `email` that sent an invite
    /// last; if none did, of the entry changed last (ties: the newest
    /// entry). Nil when nobody has `email` as a contact.
    func languageFromContacts(of email: Email) -> Language? {
        guard let ids = contactsByEmail[email] else { return nil }
        var best: (invited: Timestamp?, updated: Timestamp, id: ContactID, language: Language)?
        for id in ids {
            guard let c = contacts[id] else { continue }
            let candidate = (invited: c.invitedAt, updated: c.updatedAt, id: c.id, language: c.language)
            guard let current = best else {
                best = candidate
                continue
            }
            let newer: Bool =
                switch (candidate.invited, current.invited) {
                case let (a?, b?):
                    a != b ? a > b : (candidate.updated, candidate.id.raw) > (current.updated, current.id.raw)
                case (.some, nil): true
                case (nil, .some): false
                case (nil, nil): (candidate.updated, candidate.id.raw) > (current.updated, current.id.raw)
                }
            if newer { best = candidate }
        }
        return best?.language
    }
}
