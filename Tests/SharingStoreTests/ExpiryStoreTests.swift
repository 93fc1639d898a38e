import SharingDomain
import Synchronization
import Testing

@testable import SharingStore

/// A share's expiry is stored (`shares.expires_at`, migration 4) and holds
/// across a restart: a reopened store answers "no" from the instant exactly,
/// and the expiry write removes the row for good.
@Suite struct ExpiryStoreTests {
    /// A clock the test moves by hand.
    final class Clock: Sendable {
        private let ms: Mutex<Int64>
        init(_ start: Int64) { ms = Mutex(start) }
        func set(_ value: Int64) { ms.withLock { $0 = value } }
        var read: @Sendable () -> Timestamp { { [self] in Timestamp(millisecondsSinceEpoch: ms.withLock { $0 }) } }
    }

    @Test(arguments: StoreKind.allCases) func expiryHoldsAcrossARestart(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            let start: Int64 = 1_800_000_000_000
            let expiry = Timestamp(millisecondsSinceEpoch: start + 60_000)
            let clock = Clock(start)
            var store = try await slot.open()
            var writer = try await SharingWriter.open(persistence: store, clock: clock.read)
            let (aRes, _) = try await writer.createAccount(email: "a@example.com", language: .en)
            let (bRes, _) = try await writer.createAccount(email: "b@example.com", language: .en)
            guard case let .account(a) = aRes.outcome, case let .account(b) = bRes.outcome else { return }
            _ = try await writer.submit(.createContact(email: "b@example.com", fields: ContactFields()), actor: a.id)
            let reg = try await writer.submit(
                .registerDevice(
                    name: "pi",
                    services: [
                        ServiceSpec(name: "ssh", port: 22, protocol: "tcp")
                    ]), actor: a.id)
            guard case let .device(d) = reg.outcome else { return }
            let d2Res = try await writer.submit(.registerDevice(name: "nas", services: []), actor: a.id)
            guard case let .device(d2) = d2Res.outcome else { return }
            _ = try await writer.submit(
                .share(
                    devices: [d.id], emails: ["b@example.com"], access: .all(scripting: true),
                    notify: false, expiresAt: expiry), actor: a.id)
            // A share without an expiry stores NULL and stays unlimited.
            _ = try await writer.submit(
                .share(
                    devices: [d2.id], emails: ["b@example.com"], access: .ports([], scripting: true),
                    notify: false), actor: a.id)
            try await store.close()

            // Restart one millisecond before the instant: still allowed.
            clock.set(expiry.millisecondsSinceEpoch - 1)
            store = try await slot.open()
            writer = try await SharingWriter.open(persistence: store, clock: clock.read)
            var snapshot = writer.snapshots.latest()
            #expect(snapshot.state.nextExpiry == expiry && snapshot.state.expiringShareCount == 1)
            #expect(snapshot.check(user: b.id, device: d.id, port: 22))
            #expect(
                try snapshot.checkBatch([
                    CheckRequest(user: b.id, device: d.id, port: nil),
                    CheckRequest(user: b.id, device: d2.id, port: nil),
                ]) == [true, true])
            // At the instant and one millisecond after: no, with no write in between.
            for t in [expiry.millisecondsSinceEpoch, expiry.millisecondsSinceEpoch + 1] {
                clock.set(t)
                #expect(!snapshot.check(user: b.id, device: d.id, port: 22))
                #expect(
                    try snapshot.checkBatch([
                        CheckRequest(user: b.id, device: d.id, port: nil),
                        CheckRequest(user: b.id, device: d2.id, port: nil),
                    ]) == [false, true])
            }
            // The expiry write (what the server's timer submits) removes the row.
            let expired = try await writer.submit(.expireShares, actor: nil)
            #expect(expired.outcome == .count(created: 0, updated: 0, removed: 1))
            let revision = writer.snapshots.revision
            // Nothing else due: no write at all.
            let none = try await writer.submit(.expireShares, actor: nil)
            #expect(none.revision == revision && writer.snapshots.revision == revision)
            let events = try await store.events(
                EventQuery(
                    caller: b.id, filter: EventFilter(kind: .shareExpired),
                    cursor: nil, pageSize: 10, limits: Limits()))
            #expect(events.count == 1 && events.first?.actor == a.id && events.first?.devices == [d.id])
            try await store.close()

            store = try await slot.open()
            writer = try await SharingWriter.open(persistence: store, clock: clock.read)
            snapshot = writer.snapshots.latest()
            #expect(snapshot.state.shareCount == 1 && snapshot.state.nextExpiry == nil)
            #expect(!snapshot.check(user: b.id, device: d.id, port: 22))
            #expect(snapshot.checkScripting(user: b.id, device: d2.id))
            try await store.close()
        }
    }
}
