extension SharingState {
    func createAccount(email text: String, language: Language, apiKeyHash: APIKeyHash,
                       at: Timestamp) throws(SharingError) -> Applied {
        let email = try Email(text)
        if accountByEmail[email] != nil {
            throw SharingError(.accountExists, subject: email.value, field: "email", message: "an account with this email exists")
        }
        if accountByKeyHash[apiKeyHash] != nil {
            // 2^-256 by chance; only a caller reusing a key gets here.
            throw SharingError(.invalidArgument, field: "apiKey", message: "API key already in use")
        }
        var next = self
        next.counters.account += 1
        let id = AccountID(raw: next.counters.account)
        let account = Account(id: id, email: email, language: language, apiKeyHash: apiKeyHash, createdAt: at)
        var cx = ApplyContext(state: next, actor: id, at: at)
        cx.state.putAccount(account)
        cx.changes.mutations.append(.putAccount(account))
        cx.record(.accountCreated, detail: "language=\(language.rawValue)")
        return cx.finish(.account(account))
    }
}
