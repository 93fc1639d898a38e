extension SharingSnapshots.Snapshot {
    /// ``SharingState/authenticate(apiKey:)`` on this snapshot, without copying
    /// the state out of it (every authenticated call does this).
    public func authenticate(apiKey: some StringProtocol) -> AccountID? {
        state.authenticate(apiKey: apiKey)
    }
}

extension SharingSnapshots.Snapshot {
    /// The account with this id, if it exists in this snapshot (no state copy).
    public func account(_ id: AccountID) -> Account? {
        try? state.whoami(id)
    }
}
