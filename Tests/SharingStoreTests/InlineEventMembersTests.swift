import Foundation
import GRDB
import SharingDomain
import SharingSQL
import Testing

@testable import SharingStore

/// Schema version 8 of the SQLite store: event members inline in the event
/// row. A data directory written by version 7 (member tables) is upgraded
/// with every event's lists in their order.
@Suite struct InlineEventMembersTests {
    @Test func aVersion7DirectoryIsUpgradedWithItsEventMembers() async throws {
        try await withDataDir { dir in
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let path = "\(dir)/\(SharingStore.fileName)"
            let old = try DatabasePool(path: path)
            try StoreSchema.migrator.migrate(old, upTo: "v7: \(SharingSchema.shareInvitationsName)")
            // What version 7 wrote: events with their members in the member tables.
            let at = Timestamp(millisecondsSinceEpoch: 1_000)
            let (a, b, c) = (AccountID(raw: 1), AccountID(raw: 2), AccountID(raw: 3))
            var changes = Changes()
            for (id, email) in [(a, "a@example.com"), (b, "b@example.com"), (c, "c@example.com")] {
                changes.mutations.append(
                    .putAccount(Account(id: id, email: Email(trusted: email), language: .en, createdAt: at)))
            }
            changes.events = [
                Event(
                    id: EventID(raw: 1), revision: 1, at: at, actor: a, kind: .shareCreated,
                    devices: [DeviceID(raw: 12), DeviceID(raw: 3), DeviceID(raw: 7)], users: [a, c, b],
                    detail: "mode=ALL"),
                Event(
                    id: EventID(raw: 2), revision: 1, at: at, actor: b, kind: .accountCreated, devices: [],
                    users: [b], detail: ""),
            ]
            let statements = SharingSQL.statements(
                for: CommitBatch(revision: 1, counters: IDCounters(), changes: changes), events: .memberTables)
            try await old.write { db in
                for statement in statements { try db.execute(statement) }
            }
            try old.close()

            let store = try SharingStore(directory: dir)
            #expect(try store.appliedMigrations().last == "v8: \(SharingSchema.inlineEventMembersName)")
            let listed = try await store.events(Self.query(c))
            #expect(listed == [changes.events[0]])
            #expect(try await store.events(Self.query(b)) == changes.events)
            // The device filter reads the inline list: a whole id, not a digit of another.
            #expect(try await store.events(Self.query(b, device: DeviceID(raw: 3))) == [changes.events[0]])
            #expect(try await store.events(Self.query(b, device: DeviceID(raw: 2))) == [])
            let tables = try await store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name GLOB 'event_*'")
            }
            #expect(tables == ["event_users"])
            #expect(try await Self.mark(store) == 2)
            try store.close()
        }
    }

    /// Events past the `event_users` mark are listed from their inline
    /// lists; the commit that finds more than the lag behind indexes them,
    /// and a page across the mark has each event once, in order.
    @Test func eventsBeyondTheUserIndexAreListedAndIndexedInBulk() async throws {
        try await withDataDir { dir in
            let store = try SharingStore(directory: dir)
            let (a, b) = (AccountID(raw: 1), AccountID(raw: 2))
            let lag = Int(SharingSQL.eventUsersIndexLag)
            func event(_ id: Int) -> Event {
                Event(
                    id: EventID(raw: UInt64(id)), revision: UInt64(id), at: Timestamp(millisecondsSinceEpoch: 5),
                    actor: a, kind: .deviceRegistered, devices: [DeviceID(raw: UInt64(id))],
                    users: id.isMultiple(of: 2) ? [a, b] : [a], detail: "")
            }
            func commit(_ ids: ClosedRange<Int>) async throws {
                var changes = Changes()
                changes.events = ids.map(event)
                var counters = IDCounters()
                counters.event = UInt64(ids.upperBound)
                try await store.commit(
                    CommitBatch(revision: UInt64(ids.upperBound), counters: counters, changes: changes))
            }
            try await commit(1...lag)
            #expect(try await Self.mark(store) == 0)  // not more than the lag behind yet
            let tail = try await store.events(Self.query(b, after: UInt64(lag - 10)))
            #expect(tail.map(\.id.raw) == stride(from: lag - 8, through: lag, by: 2).map(UInt64.init))
            try await commit((lag + 1)...(lag + 2))
            #expect(try await Self.mark(store) == UInt64(lag + 2))
            try await commit((lag + 3)...(lag + 6))
            // A page across the mark: indexed events, then the scanned ones.
            let page = try await store.events(Self.query(a, after: UInt64(lag - 3)))
            #expect(page.map(\.id.raw) == ((lag - 2)...(lag + 6)).map(UInt64.init))
            #expect(page.last == event(lag + 6))
            let withB = try await store.events(
                EventQuery(
                    caller: a, filter: EventFilter(user: b), cursor: nil, pageSize: 3, limits: Limits()))
            #expect(withB.map(\.id.raw) == [2, 4, 6, 8])  // pageSize + 1
            let onDevice = try await store.events(Self.query(b, device: DeviceID(raw: UInt64(lag + 4))))
            #expect(onDevice.map(\.id.raw) == [UInt64(lag + 4)])
            try store.close()
        }
    }

    private static func mark(_ store: SharingStore) async throws -> UInt64 {
        try await store.pool.read { db in
            UInt64(try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'event_users_through'") ?? -1)
        }
    }

    private static func query(_ caller: AccountID, device: DeviceID? = nil, after: UInt64? = nil) throws
        -> EventQuery
    {
        try EventQuery(
            caller: caller, filter: EventFilter(device: device), cursor: after.map(PageCursor.encode), pageSize: 50,
            limits: Limits())
    }
}
