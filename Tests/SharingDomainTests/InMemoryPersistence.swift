import SharingDomain

/// A persistence double: keeps rows in dictionaries, can be slowed down (to
/// make batches form) and told to fail commits.
actor InMemoryPersistence: SharingPersistence {
    struct Failure: Error {}

    private var revision: UInt64 = 0
    private var counters = IDCounters()
    private var accounts: [AccountID: Account] = [:]
    private var apiKeys: [APIKeyID: APIKeyRecord] = [:]
    private var contacts: [ContactID: Contact] = [:]
    private var devices: [DeviceID: Device] = [:]
    private var services: [ServiceID: (DeviceID, Service)] = [:]
    private var shares: [ShareKey: Share] = [:]
    private(set) var events: [Event] = []
    private(set) var notifications: [OutboxNotification] = []
    private(set) var batches: [CommitBatch] = []

    var commitDelay: Duration = .zero
    var failNextCommits = 0
    var failLoads = false

    func setDelay(_ d: Duration) { commitDelay = d }
    func failNext(_ n: Int = 1) { failNextCommits = n }
    func setFailLoads(_ v: Bool) { failLoads = v }

    func loadState(limits: Limits) async throws -> SharingState {
        if failLoads { throw Failure() }
        var rebuilt = devices
        for (id, d) in rebuilt {
            rebuilt[id]!.services = []
            _ = d
        }
        for (sid, pair) in services.sorted(by: { $0.key < $1.key }) {
            _ = sid
            rebuilt[pair.0]?.services.append(pair.1)
        }
        return try SharingState.restore(
            limits: limits, revision: revision, counters: counters,
            accounts: Array(accounts.values), apiKeys: Array(apiKeys.values),
            contacts: Array(contacts.values),
            devices: Array(rebuilt.values), shares: Array(shares.values))
    }

    func commit(_ batch: CommitBatch) async throws {
        if commitDelay > .zero { try await Task.sleep(for: commitDelay) }
        if failNextCommits > 0 {
            failNextCommits -= 1
            throw Failure()
        }
        for m in batch.changes.mutations {
            switch m {
            case let .putAccount(a): accounts[a.id] = a
            case let .putContact(c): contacts[c.id] = c
            case let .deleteContact(id): contacts[id] = nil
            case let .putDevice(d): devices[d.id] = d
            case let .putService(d, s): services[s.id] = (d, s)
            case let .deleteService(id): services[id] = nil
            case let .putShare(s, _): shares[s.key] = s
            case let .deleteShare(k): shares[k] = nil
            case let .putAPIKey(k): apiKeys[k.id] = k
            case let .deleteAPIKey(id): apiKeys[id] = nil
            case let .deleteDevice(id):
                devices[id] = nil
                services = services.filter { $0.value.0 != id }
            case let .deleteAccount(id):
                accounts[id] = nil
                apiKeys = apiKeys.filter { $0.value.account != id }
            }
        }
        events += batch.changes.events
        notifications += batch.changes.notifications
        revision = batch.revision
        counters = batch.counters
        batches.append(batch)
    }
}
