import SharingDomain
import Testing

@testable import SharingStore

/// The access-change log (migration 5) in both stores: written with its
/// batch, read back whole and in order, filtered to what an account may see,
/// paged by (revision, position), pruned with its mark, and kept across a
/// reopen.
@Suite struct AccessChangeStoreTests {
    @Test(arguments: StoreKind.allCases) func writtenReadFilteredPagedAndPruned(_ kind: StoreKind) async throws {
        try await withStore(kind) { slot in
            var store = try await slot.open()
            var writer = try await SharingWriter.open(persistence: store)
            let (a, b, c) = try await ownerWithTwoContacts(writer)
            let d = try await registerPi(writer, owner: a.id)
            let expiry = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch + 3_600_000)
            let shared = try await writer.submit(
                .share(
                    devices: [d.id], emails: ["b@example.com", "c@example.com"],
                    access: .ports([d.services[0].id], scripting: true), notify: false,
                    expiresAt: expiry), actor: a.id)
            let transferred = try await writer.submit(.transfer(devices: [d.id], toEmail: "c@example.com"), actor: a.id)

            let all = try await store.accessChanges(
                after: .caughtUp(through: 0), through: transferred.revision,
                visibleTo: nil, limit: 100)
            #expect(all.prunedThrough == 0)
            #expect(
                all.changes.map(\.revision) == [shared.revision, shared.revision]
                    + Array(repeating: transferred.revision, count: 4))
            #expect(all.changes.map(\.position) == [0, 1, 0, 1, 2, 3])
            #expect(all.changes[0].grant == .shared(.ports([d.services[0].id], scripting: true), expiresAt: expiry))
            #expect(all.changes.suffix(4).map(\.kind) == Array(repeating: .deviceTransferred, count: 4))
            #expect(all.changes.suffix(2).map(\.grant) == [.none, .owner])

            // b sees its own access only; pages resume inside a revision.
            let bs = try await store.accessChanges(
                after: .caughtUp(through: 0), through: transferred.revision,
                visibleTo: b.id, limit: 100)
            #expect(bs.changes.allSatisfy { $0.user == b.id } && bs.changes.count == 2)
            let first = try await store.accessChanges(
                after: .caughtUp(through: 0), through: transferred.revision,
                visibleTo: nil, limit: 3)
            let rest = try await store.accessChanges(
                after: AccessChangeCursor(revision: first.changes[2].revision, position: first.changes[2].position),
                through: transferred.revision, visibleTo: nil, limit: 100)
            #expect(first.changes + rest.changes == all.changes)
            // Nothing past `through`.
            let upToShare = try await store.accessChanges(
                after: .caughtUp(through: 0), through: shared.revision,
                visibleTo: c.id, limit: 100)
            #expect(upToShare.changes.count == 1 && upToShare.changes[0].user == c.id)
            try await store.close()

            // Reopened: still there; pruned to the latest revision, with its mark.
            store = try await slot.open()
            writer = try await SharingWriter.open(persistence: store)
            try await store.pruneAccessChanges(retaining: 1)
            let pruned = try await store.accessChanges(
                after: .caughtUp(through: 0), through: transferred.revision,
                visibleTo: nil, limit: 100)
            #expect(pruned.prunedThrough == transferred.revision - 1)
            #expect(pruned.changes == Array(all.changes.suffix(4)))
            // Pruning again with a larger retention never moves the mark back.
            try await store.pruneAccessChanges(retaining: 1_000)
            let again = try await store.accessChanges(
                after: .caughtUp(through: 0), through: transferred.revision,
                visibleTo: a.id, limit: 100)
            #expect(again.prunedThrough == transferred.revision - 1)
            try await store.close()
        }
    }
}
