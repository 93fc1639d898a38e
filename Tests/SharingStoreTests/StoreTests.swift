import Foundation
import SharewireTestSupport
import SharingDomain
import Testing

@testable import SharingStore

@Suite struct StoreTests {
    @Test func opensWithDurablePragmas() async throws {
        try await withDataDir { dir in
            let store = try SharingStore(directory: dir)
            #expect(store.path.hasSuffix("/sharewire.sqlite"))
            let p = try store.pragmas()
            #expect(p.synchronous == 2)  // FULL, read back after GRDB's own setup
            #expect(p.journalMode == "wal")
            #expect(p.foreignKeys)
            try store.close()
        }
    }

    @Test func migrationsAreIdempotent() async throws {
        try await withDataDir { dir in
            let first = try SharingStore(directory: dir)
            let applied = try first.appliedMigrations()
            #expect(
                applied == [
                    "v1: sharing tables", "v3: notification consumer cursors", "v4: share expiry",
                    "v5: named api keys",
                    "v6: access change log", "v7: share invitations", "v8: inline event members",
                ])
            try first.close()
            let second = try SharingStore(directory: dir)
            #expect(try second.appliedMigrations() == applied)
            try StoreSchema.migrator.migrate(second.pool)  // once more: nothing to do, no error
            #expect(try second.appliedMigrations() == applied)
            try second.close()
        }
    }

    @Test(arguments: StoreKind.allCases) func everythingSurvivesCloseAndReopen(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            var store = try await slot.open()
            var writer = try await SharingWriter.open(persistence: store)
            let (aRes, key) = try await writer.createAccount(email: "a@example.com", language: .en)
            let (bRes, _) = try await writer.createAccount(email: "b@example.com", language: .ja)
            guard case let .account(a) = aRes.outcome, case let .account(b) = bRes.outcome else { return }
            _ = try await writer.submit(
                .createContact(
                    email: "b@example.com",
                    fields: ContactFields(firstName: "Bee", company: "Acme", language: .ja)), actor: a.id)
            _ = try await writer.submit(.createContact(email: "new@example.com", fields: ContactFields()), actor: a.id)
            _ = try await writer.submit(.inviteContact(email: "new@example.com"), actor: a.id)
            let d = try await registerPi(writer, owner: a.id)
            let d2Res = try await writer.submit(
                .registerDevice(name: "nas", services: [ServiceSpec(name: "smb", port: 445, protocol: "tcp")]),
                actor: a.id)
            guard case let .device(d2) = d2Res.outcome else { return }
            _ = try await writer.submit(
                .share(
                    devices: [d.id], emails: ["b@example.com"],
                    access: .ports([d.services[0].id], scripting: true), notify: true), actor: a.id)
            _ = try await writer.submit(
                .share(devices: [d2.id], emails: ["b@example.com"], access: .all(), notify: true), actor: a.id)
            let last = try await writer.submit(.renameDevice(d.id, name: "garage pi"), actor: a.id)
            let before = writer.snapshots.latest().state
            try await store.close()

            store = try await slot.open()
            writer = try await SharingWriter.open(persistence: store)
            let s = writer.snapshots.latest().state
            #expect(s.revision == last.revision)
            #expect(s.counters == before.counters)
            #expect(s.authenticate(apiKey: key) == a.id)
            #expect(try s.whoami(b.id).language == .ja)
            let contacts = try s.listContacts(a.id, cursor: nil, pageSize: 0).items
            #expect(contacts.map(\.contact.email.value) == ["b@example.com", "new@example.com"])
            #expect(
                contacts[0].contact.firstName == "Bee" && contacts[0].contact.company == "Acme"
                    && contacts[0].hasAccount)
            #expect(contacts[1].contact.invitedAt != nil && !contacts[1].hasAccount)
            let view = try s.device(a.id, d.id)
            #expect(view.device.name == "garage pi")
            #expect(view.device.services.map(\.port) == [22, 80])
            #expect(view.role == .owner(shareCount: 1))
            #expect(s.check(user: b.id, device: d.id, port: 22))
            #expect(!s.check(user: b.id, device: d.id, port: 80))
            #expect(s.checkScripting(user: b.id, device: d.id))
            #expect(s.check(user: b.id, device: d2.id, port: 445))
            // The restored state answers exactly like the one before the restart.
            #expect(
                try s.listDevices(b.id, cursor: nil, pageSize: 0).items
                    == (try before.listDevices(b.id, cursor: nil, pageSize: 0).items))
            // The writer carries on from the stored counters: no id reuse.
            let next = try await writer.submit(.registerDevice(name: "third", services: []), actor: a.id)
            guard case let .device(d3) = next.outcome else { return }
            #expect(d3.id.raw == d2.id.raw + 1)
            #expect(next.revision == last.revision + 1)
            try await store.close()
        }
    }

    @Test(arguments: StoreKind.allCases) func serviceRemovalAndTransferAndContactDeletionPersist(_ kind: StoreKind)
        async throws
    {
        try await withStore(kind) { slot in
            var store = try await slot.open()
            var writer = try await SharingWriter.open(persistence: store)
            let (a, b, c) = try await ownerWithTwoContacts(writer)
            let d = try await registerPi(writer, owner: a.id)
            let reg2 = try await writer.submit(.registerDevice(name: "moved", services: []), actor: a.id)
            guard case let .device(moved) = reg2.outcome else { return }
            _ = try await writer.submit(
                .share(
                    devices: [d.id], emails: ["b@example.com"],
                    access: .ports([d.services[0].id, d.services[1].id]), notify: false), actor: a.id)
            _ = try await writer.submit(
                .share(devices: [d.id, moved.id], emails: ["c@example.com"], access: .all(), notify: false), actor: a.id
            )
            _ = try await writer.submit(.removeService(d.id, d.services[0].id), actor: a.id)
            _ = try await writer.submit(.transfer(devices: [moved.id], toEmail: "b@example.com"), actor: a.id)
            _ = try await writer.submit(.deleteContact(email: "c@example.com"), actor: a.id)
            try await store.close()

            store = try await slot.open()
            writer = try await SharingWriter.open(persistence: store)
            let s = writer.snapshots.latest().state
            #expect(try s.device(a.id, d.id).device.services.map(\.port) == [80])
            #expect(!s.check(user: b.id, device: d.id, port: 22) && s.check(user: b.id, device: d.id, port: 80))
            #expect(!s.check(user: c.id, device: d.id, port: 80))  // contact deleted: share revoked
            #expect(try s.device(b.id, moved.id).role == .owner(shareCount: 0))
            #expect(!s.check(user: c.id, device: moved.id, port: 1))
            #expect(s.shareCount == 1)
            try await store.close()
        }
    }

    @Test(arguments: StoreKind.allCases) func eventsAreListedByFilterAndOnlyForThoseConcerned(_ kind: StoreKind)
        async throws
    {
        try await withStore(kind) { slot in
            let store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            let (aRes, _) = try await writer.createAccount(email: "a@example.com", language: .en)
            let (bRes, _) = try await writer.createAccount(email: "b@example.com", language: .en)
            let (xRes, _) = try await writer.createAccount(email: "x@example.com", language: .en)
            guard case let .account(a) = aRes.outcome, case let .account(b) = bRes.outcome,
                case let .account(x) = xRes.outcome
            else { return }
            _ = try await writer.submit(.createContact(email: "b@example.com", fields: ContactFields()), actor: a.id)
            var devices: [DeviceID] = []
            for i in 0..<3 {
                let r = try await writer.submit(.registerDevice(name: "d\(i)", services: []), actor: a.id)
                if case let .device(d) = r.outcome { devices.append(d.id) }
            }
            _ = try await writer.submit(
                .share(devices: devices, emails: ["b@example.com"], access: .all(), notify: true), actor: a.id)
            _ = try await writer.submit(.leave(devices: [devices[1]]), actor: b.id)
            let limits = Limits()

            let all = try await store.events(
                EventQuery(caller: a.id, filter: EventFilter(), cursor: nil, pageSize: 0, limits: limits))
            #expect(
                all.map(\.kind) == [
                    .accountCreated, .contactCreated, .deviceRegistered, .deviceRegistered,
                    .deviceRegistered, .shareCreated, .shareLeft,
                ])
            let share = all[5]
            #expect(share.devices == devices && share.users == [a.id, b.id] && share.detail.contains("mode=ALL"))

            let forB = try await store.events(
                EventQuery(caller: b.id, filter: EventFilter(), cursor: nil, pageSize: 0, limits: limits))
            #expect(forB.map(\.kind) == [.accountCreated, .shareCreated, .shareLeft])  // a's address book stays private
            let stranger = try await store.events(
                EventQuery(caller: x.id, filter: EventFilter(), cursor: nil, pageSize: 0, limits: limits))
            #expect(stranger.map(\.kind) == [.accountCreated])

            let byDevice = try await store.events(
                EventQuery(
                    caller: a.id, filter: EventFilter(device: devices[1]), cursor: nil, pageSize: 0, limits: limits))
            #expect(byDevice.map(\.kind) == [.deviceRegistered, .shareCreated, .shareLeft])
            let byKind = try await store.events(
                EventQuery(
                    caller: a.id, filter: EventFilter(kind: .deviceRegistered), cursor: nil, pageSize: 0, limits: limits
                ))
            #expect(byKind.count == 3)
            let withB = try await store.events(
                EventQuery(caller: a.id, filter: EventFilter(user: b.id), cursor: nil, pageSize: 0, limits: limits))
            #expect(withB.map(\.kind) == [.shareCreated, .shareLeft])

            // Pagination: pages of 2 over 7 events.
            var cursor: String? = nil
            var seen: [EventID] = []
            repeat {
                let q = try EventQuery(caller: a.id, filter: EventFilter(), cursor: cursor, pageSize: 2, limits: limits)
                let page = q.page(try await store.events(q))
                #expect(page.items.count <= 2)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == all.map(\.id))
            try await store.close()
        }
    }

    @Test(arguments: StoreKind.allCases) func outboxHasAMonotonicSequenceAndAnAckCursor(_ kind: StoreKind) async throws
    {
        try await withStore(kind) { slot in
            var store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            let (aRes, _) = try await writer.createAccount(email: "a@example.com", language: .en)
            guard case let .account(a) = aRes.outcome else { return }
            for i in 0..<3 {
                _ = try await writer.submit(
                    .createContact(email: "n\(i)@example.com", fields: ContactFields(language: i == 1 ? .ja : .en)),
                    actor: a.id)
                _ = try await writer.submit(.inviteContact(email: "n\(i)@example.com"), actor: a.id)
            }
            let all = try await store.notifications(after: 0, limit: 100)
            #expect(all.map(\.sequence) == [1, 2, 3])
            #expect(all.map(\.language) == [.en, .ja, .en])
            #expect(all[1].subject.contains("招待"))
            let mailer = NotificationConsumer("mailer")!
            #expect(try await store.acknowledgedNotificationSequence(consumer: .default) == 0)
            try await store.acknowledgeNotifications(through: 2, consumer: .default)
            try await store.acknowledgeNotifications(through: 1, consumer: .default)  // never moves back
            try await store.acknowledgeNotifications(through: 1, consumer: mailer)
            let resumed = try await store.acknowledgedNotificationSequence(consumer: .default)
            #expect(resumed == 2)
            #expect(try await store.acknowledgedNotificationSequence(consumer: mailer) == 1)  // its own cursor
            #expect(try await store.acknowledgedNotificationSequence(consumer: NotificationConsumer("other")!) == 0)
            #expect(try await store.notifications(after: resumed, limit: 100).map(\.sequence) == [3])
            try await store.close()
            store = try await slot.open()
            #expect(try await store.acknowledgedNotificationSequence(consumer: .default) == 2)
            #expect(try await store.acknowledgedNotificationSequence(consumer: mailer) == 1)
            try await store.close()
        }
    }

    /// A database from before named consumers keeps its one cursor: the
    /// migration makes it the `default` consumer's.
    @Test(arguments: StoreKind.allCases) func consumerCursorMigrationKeepsTheOldCursor(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            try await slot.createVersion1(acknowledged: 7)
            let store = try await slot.open()
            #expect(try await store.acknowledgedNotificationSequence(consumer: .default) == 7)
            #expect(try await store.acknowledgedNotificationSequence(consumer: NotificationConsumer("mailer")!) == 0)
            try await store.close()
        }
    }

    @Test(arguments: StoreKind.allCases) func aFailedTransactionLeavesNothingBehind(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            let store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            _ = try await writer.createAccount(email: "a@example.com", language: .en)
            let before = try await store.loadState(limits: Limits())
            // A batch whose last row breaks a foreign key: the whole transaction must roll back.
            var changes = Changes()
            changes.mutations = [
                .putDevice(
                    Device(
                        id: DeviceID(raw: 50), owner: AccountID(raw: 1), name: "ok", services: [],
                        createdAt: Timestamp(millisecondsSinceEpoch: 1), updatedAt: Timestamp(millisecondsSinceEpoch: 1)
                    )),
                .putDevice(
                    Device(
                        id: DeviceID(raw: 51), owner: AccountID(raw: 999), name: "bad", services: [],
                        createdAt: Timestamp(millisecondsSinceEpoch: 1), updatedAt: Timestamp(millisecondsSinceEpoch: 1)
                    )),
            ]
            await #expect(throws: (any Error).self) {
                try await store.commit(CommitBatch(revision: 99, counters: before.counters, changes: changes))
            }
            let after = try await store.loadState(limits: Limits())
            #expect(after.revision == before.revision && after.deviceCount == 0)
            try await store.close()
        }
    }

    /// Share puts are committed as multi-row statements; a key put twice in
    /// one batch must still end as its last put (as one by one would).
    @Test(arguments: StoreKind.allCases) func aSharePutTwiceInOneBatchKeepsTheLast(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            let store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            let (aRes, _) = try await writer.createAccount(email: "a@example.com", language: .en)
            let (bRes, _) = try await writer.createAccount(email: "b@example.com", language: .en)
            guard case let .account(a) = aRes.outcome, case let .account(b) = bRes.outcome else { return }
            let d = try await registerPi(writer, owner: a.id)
            let reg2 = try await writer.submit(.registerDevice(name: "nas", services: []), actor: a.id)
            guard case let .device(d2) = reg2.outcome else { throw TestSetupError("\(reg2.outcome)") }
            let before = try await store.loadState(limits: Limits())
            let t = Timestamp(millisecondsSinceEpoch: 5)
            let ssh = d.services[0].id, web = d.services[1].id
            var changes = Changes()
            changes.mutations = [
                .putShare(
                    Share(
                        device: d.id, user: b.id, access: .ports([ssh, web], scripting: true), createdAt: t,
                        updatedAt: t)),
                .putShare(Share(device: d2.id, user: b.id, access: .all(), createdAt: t, updatedAt: t)),
                .putShare(Share(device: d.id, user: b.id, access: .ports([web]), createdAt: t, updatedAt: t)),
                .deleteShare(ShareKey(device: d2.id, user: b.id)),
            ]
            try await store.commit(
                CommitBatch(revision: before.revision + 1, counters: before.counters, changes: changes))
            let after = try await store.loadState(limits: Limits())
            #expect(after.shareCount == 1)
            #expect(after.check(user: b.id, device: d.id, port: 80) && !after.check(user: b.id, device: d.id, port: 22))
            #expect(!after.checkScripting(user: b.id, device: d.id))

            // Deletes go grouped too; a put between them, of a key deleted
            // before and after it, keeps the order: delete, put, delete, put.
            let mid = try await store.loadState(limits: Limits())
            changes.mutations = [
                .deleteShare(ShareKey(device: d.id, user: b.id)),
                .deleteShare(ShareKey(device: d2.id, user: b.id)),
                .putShare(Share(device: d.id, user: b.id, access: .all(), createdAt: t, updatedAt: t)),
                .deleteShare(ShareKey(device: d.id, user: b.id)),
                .deleteShare(ShareKey(device: d.id, user: b.id)),
                .putShare(Share(device: d2.id, user: b.id, access: .ports([]), createdAt: t, updatedAt: t)),
            ]
            try await store.commit(CommitBatch(revision: mid.revision + 1, counters: mid.counters, changes: changes))
            let last = try await store.loadState(limits: Limits())
            #expect(last.shareCount == 1)
            #expect(!last.check(user: b.id, device: d.id, port: 80) && !last.check(user: b.id, device: d2.id, port: 80))
            try await store.close()
        }
    }

    /// Puts of shares that had no service rows skip their delete
    /// (`Mutation.putShare(_:hadPorts:)`); the stored lists stay right
    /// through PORTS → ALL → PORTS, a new share and a re-share in one batch.
    @Test(arguments: StoreKind.allCases) func sharePortsAreReplacedOnlyWhereThereWereAny(_ kind: StoreKind)
        async throws
    {
        try await withStore(kind) { slot in
            let store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            let (a, b, c) = try await ownerWithTwoContacts(writer)
            let d = try await registerPi(writer, owner: a.id)
            let ssh = d.services[0].id, web = d.services[1].id
            let steps: [AccessRequest] = [
                .ports([ssh]), .all(), .ports([web]), .ports([ssh, web]), .ports([], scripting: true),
            ]
            for access in steps {
                _ = try await writer.submit(
                    .share(devices: [d.id], emails: ["b@example.com"], access: access, notify: false), actor: a.id)
                let loaded = try await store.loadState(limits: Limits())
                for port: UInt16 in [22, 80] {
                    #expect(
                        loaded.check(user: b.id, device: d.id, port: port)
                            == writer.snapshots.latest().state.check(user: b.id, device: d.id, port: port))
                }
            }
            // Removed and shared again in one batch: the cascade took the rows, the new put adds its own.
            async let removed = writer.submit(
                .removeShares(devices: [d.id], emails: ["b@example.com", "c@example.com"], notify: false), actor: a.id)
            async let shared = writer.submit(
                .share(
                    devices: [d.id], emails: ["b@example.com", "c@example.com"], access: .ports([web]), notify: false),
                actor: a.id)
            _ = try await (removed, shared)
            let loaded = try await store.loadState(limits: Limits())
            for user in [b.id, c.id] {
                for port: UInt16 in [22, 80] {
                    #expect(
                        loaded.check(user: user, device: d.id, port: port)
                            == writer.snapshots.latest().state.check(user: user, device: d.id, port: port))
                }
            }
            try await store.close()
        }
    }

    @Test(arguments: StoreKind.allCases) func refusesASchemaNewerThanTheBinary(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            let store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            _ = try await writer.createAccount(email: "a@example.com", language: .en)
            try await store.close()
            try await slot.markSchemaNewer()
            // SQLite's refusal is the data-dir check's (it names the directory); PostgreSQL's is typed.
            let error = await #expect(throws: (any Error).self) { _ = try await slot.open() }
            switch kind {
            case .sqlite:
                guard case .newerSchema = error as? StoreOpenError else {
                    Issue.record("SQLite: expected StoreOpenError.newerSchema, got \(String(describing: error))")
                    return
                }
            case .postgres:
                #expect(error is SchemaNewerThanBinaryError, "\(String(describing: error))")
            }
        }
    }

    @Test func refusesAnUnwritableDataDirectory() {
        #expect(throws: (any Error).self) { _ = try SharingStore(directory: "/proc/sharewire-cannot-create") }
    }
}

@Suite struct StoreLoadTests {
    /// Many concurrent writers on a real database: batches form, every acknowledged
    /// write is on disk after reopening, and a 10,000-pair bulk share commits
    /// in one transaction.
    @Test(arguments: StoreKind.allCases) func groupCommitAndLargeBulkShare(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            var store = try await slot.open()
            let writer = try await SharingWriter.open(persistence: store)
            let (aRes, _) = try await writer.createAccount(email: "owner@example.com", language: .en)
            guard case let .account(a) = aRes.outcome else { return }
            // 100 people, created concurrently.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<100 {
                    group.addTask {
                        _ = try await writer.createAccount(email: "p\(i)@example.com", language: i % 2 == 0 ? .en : .ja)
                        _ = try await writer.submit(
                            .createContact(email: "p\(i)@example.com", fields: ContactFields()), actor: a.id)
                    }
                }
                try await group.waitForAll()
            }
            let devices = try await withThrowingTaskGroup(of: DeviceID.self) { group in
                for i in 0..<100 {
                    group.addTask {
                        let r = try await writer.submit(
                            .registerDevice(
                                name: "d\(i)", services: [ServiceSpec(name: "ssh", port: 22, protocol: "tcp")]),
                            actor: a.id)
                        guard case let .device(d) = r.outcome else {
                            throw SharingError(.invalidArgument, message: "no device")
                        }
                        return d.id
                    }
                }
                var ids: [DeviceID] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            #expect(await writer.batchesCommitted < 301)  // 1 + 200 + 100 writes; concurrency must have batched some
            let bulk = try await writer.submit(
                .share(
                    devices: devices, emails: (0..<100).map { "p\($0)@example.com" },
                    access: .all(), notify: true), actor: a.id)
            #expect(bulk.outcome == .count(created: 10_000, updated: 0, removed: 0))
            try await store.close()

            store = try await slot.open()
            let s = try await store.loadState(limits: Limits())
            #expect(s.revision == bulk.revision)
            #expect(s.accountCount == 101 && s.contactCount == 100 && s.deviceCount == 100 && s.shareCount == 10_000)
            let outbox = try await store.notifications(after: 0, limit: 1_000)
            #expect(outbox.count == 100)
            #expect(Set(outbox.map(\.language)) == [.en, .ja])

            // A bulk remove of half the pairs: 5,000 deletes in one batch.
            let remover = try await SharingWriter.open(persistence: store)
            let removed = try await remover.submit(
                .removeShares(
                    devices: Array(devices.prefix(50)),
                    emails: (0..<100).map { "p\($0)@example.com" }, notify: false),
                actor: a.id)
            #expect(removed.outcome == .count(created: 0, updated: 0, removed: 5_000))
            let reloaded = try await store.loadState(limits: Limits())
            #expect(reloaded.shareCount == 5_000 && reloaded.revision == removed.revision)
            try await store.close()
        }
    }
}
