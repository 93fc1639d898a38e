/// For the snapshot-size benchmark (`sharewire-bench --snapshot-size`): what
/// each map of a state costs is measured by emptying the maps one at a time
/// and reading the heap in between.
extension SharingState {
    /// The maps a benchmark can empty, share maps first.
    package enum ProfiledMap: String, CaseIterable, Sendable {
        case expiring, sharesByUser, sharesByDevice, shareExtras, shares
        case devices, devicesByOwner, contacts, accounts
    }

    /// Empties one map (and, for `contacts` and `accounts`, their indexes).
    /// The state is useless afterwards: only for measuring.
    package mutating func emptyForProfile(_ map: ProfiledMap) {
        switch map {
        case .expiring: expiring = [:]
        case .sharesByUser: sharesByUser = [:]
        case .sharesByDevice: sharesByDevice = [:]
        case .shareExtras: shares.extras = [:]
        case .shares: shares = ShareTable()
        case .devices: devices = [:]
        case .devicesByOwner: devicesByOwner = [:]
        case .contacts:
            contacts = [:]
            contactsByOwner = [:]
            contactsByEmail = [:]
        case .accounts:
            accounts = [:]
            accountByEmail = [:]
            apiKeys = [:]
            apiKeyByHash = [:]
            apiKeysByAccount = [:]
        }
    }
}
