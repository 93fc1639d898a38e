extension SharingSnapshots.Snapshot {
    /// ``SharingState/authenticate(apiKey:)`` on this snapshot, without copying
    /// the state out of it (every authenticated call does this).
    public func authenticate(apiKey: some StringProtocol) -> AccountID? {
        state.authenticate(apiKey: apiKey)
    }
}
