extension SharingSnapshots.Snapshot {
    /// ``SharingState/authenticate(apiKey:)`` on this snapshot, without copying
    /// the state out of it (every authenticated call does this).
    public func authenticate(apiKey: some StringProtocol) -> AccountID? {
        state.authenticate(apiKey: apiKey)
    }
}

extension SharingSnapshots.Snapshot {
    /// ``SharingState/authenticateKey(_:)`` on this snapshot (no state copy).
    public func authenticateKey(_ apiKey: some StringProtocol) -> APIKeyRecord? {
        state.authenticateKey(apiKey)
    }

    /// The key `id`, if this snapshot still has it with the same `digest`
    /// (compared in constant time) and its account still exists: how a
    /// cached key is re-validated on every use, borrowing the state in place
    /// (a state copy costs a retain and a release per map).
    public func apiKey(_ id: APIKeyID, digest: APIKeyHash) -> APIKeyRecord? {
        guard let record = state.apiKeys[id], record.hash.constantTimeEquals(digest),
            state.accounts.index(forKey: record.account) != nil
        else { return nil }
        return record
    }
}
