import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain
import SharingPostgres
import Testing

/// Share expiry in a PostgreSQL cluster: two instances on one database, one
/// manual clock. Both answer Check "no" from the instant exactly, and the
/// expiry timers, which run on both, commit the removal once: one write, one
/// `share.expired` event, one notification to each side. Skipped without a
/// PostgreSQL server (fails instead when SHAREWIRE_REQUIRE_POSTGRES=1).
@Suite(.timeLimit(.minutes(2)))
struct ClusterExpiryTests {
    /// An instance on `url` whose writer, snapshots and expiry timer read `clock`.
    static func node(_ url: String, clock: ExpiryServerTests.Clock) async throws -> Harness {
        var logger = Logger(label: "test.cluster-expiry")
        logger.logLevel = .critical
        let store = try await PostgresSharingStore.open(try PostgresStoreConfiguration(url: url), logger: logger)
        var feed = ChangeFeed.Configuration()
        feed.pollInterval = .milliseconds(200)  // NOTIFY brings writes sooner; polling covers a lost one
        let backend = try await SharingBackend.open(
            store: store, feed: feed, logger: logger, clock: clock.read,
            expiry: ExpiryServerTests.expiryConfiguration())
        return try await Harness.start(backend: backend, dir: try TempDirectory("cluster-expiry"))
    }

    @Test func bothInstancesRefuseAtTheInstantAndTheExpiryIsCommittedOnce() async throws {
        try await ClusterTests.withDatabase { url in
            let clock = ExpiryServerTests.Clock(ExpiryServerTests.start)
            let a = try await Self.node(url, clock: clock)
            let b = try await Self.node(url, clock: clock)
            let owner = try await a.createAccount("owner@example.com")
            let friend = try await a.createAccount("friend@example.com")
            let _: CreateContactResponse = try await a.call(
                Sharewire_V1.ContactService.Method.Create.descriptor,
                CreateContactRequest(email: friend.email), as: owner)
            let dev = try await ClusterTests.device("vault", of: owner, on: a)
            let expiry = ExpiryServerTests.start + 60_000
            let shared: ShareResponse = try await a.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: [friend.email], access: Access(mode: .all), notify: false,
                    expiresAtMs: expiry),
                as: owner)

            func allowed(on h: Harness) async throws -> Bool {
                let r: CheckPortResponse = try await h.client.unary(
                    Sharewire_V1.CheckService.Method.Check.descriptor,
                    CheckPortRequest(userID: friend.id, deviceID: dev, port: 22, minRevision: shared.revision),
                    metadata: Harness.service())
                return r.allowed
            }
            clock.set(expiry - 1)
            let beforeA = try await allowed(on: a), beforeB = try await allowed(on: b)
            #expect(beforeA && beforeB)
            clock.set(expiry)
            // Both refuse at once, whether or not either timer has written yet.
            let atA = try await allowed(on: a), atB = try await allowed(on: b)
            #expect(!atA && !atB)

            // Both timers run; the removal is committed once, and both instances see it.
            #expect(
                try await ExpiryServerTests.eventually {
                    a.backend.snapshots.latest().state.shareCount == 0
                        && b.backend.snapshots.latest().state.shareCount == 0
                })
            // Each instance's timer looks again at the state without the share: neither writes more.
            #expect(try await ExpiryServerTests.timerHasLooked(a.backend.expiry))
            #expect(try await ExpiryServerTests.timerHasLooked(b.backend.expiry))
            #expect(a.revision == shared.revision + 1 && b.revision == shared.revision + 1)
            let events: ListEventsResponse = try await b.call(
                Sharewire_V1.EventService.Method.ListEvents.descriptor,
                ListEventsRequest(kind: .shareExpired), as: friend)
            #expect(events.events.count == 1 && events.events.first?.revision == shared.revision + 1)
            let outbox = try await a.backend.store.notifications(after: 0, limit: 100)
            #expect(outbox.map(\.template) == [.shareExpired, .shareExpiredOwner])
            await a.stop()
            await b.stop()
        }
    }
}
