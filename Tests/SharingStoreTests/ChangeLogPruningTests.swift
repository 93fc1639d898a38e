import Foundation
import SharewireTestSupport
import SharingDomain
import Testing

@testable import SharingPostgres

/// The cluster change log is pruned to its retention, and an instance whose
/// state is older than what is left reloads the whole state rather than
/// silently missing the pruned batches (docs/SERVER.md §11).
@Suite struct ChangeLogPruningTests {
    @Test func pruningKeepsTheRetainedWindowAndALaggingInstanceReloads() async throws {
        try await withStore(.postgres) { slot in
            let storeA = try await slot.open() as! PostgresSharingStore
            let storeB = try await slot.open() as! PostgresSharingStore
            do {
                try await check(storeA, storeB)
            } catch {
                try? await storeA.close()
                try? await storeB.close()
                throw error
            }
            try await storeA.close()
            try await storeB.close()
        }
    }

    func check(_ storeA: PostgresSharingStore, _ storeB: PostgresSharingStore) async throws {
        do {
            let a = try await SharingWriter.open(persistence: storeA)
            let (created, _) = try await a.createAccount(email: "owner@example.com", language: .en)
            guard case let .account(owner) = created.outcome else {
                Issue.record("no account")
                return
            }
            // B stops following here (as an instance that is down would).
            let b = try await SharingWriter.open(persistence: storeB)
            let lagging = await b.committedRevision

            for index in 0..<40 {
                _ = try await a.submit(.registerDevice(name: "d\(index)", services: []), actor: owner.id)
            }
            let latest = await a.committedRevision
            try await storeA.pruneChangeLog(retaining: 10)
            let oldest = try #require(try await storeA.oldestChangeLogRevision())
            // Batches ending in the last 10 revisions stay (each write here is its own batch).
            #expect(oldest == latest - 9, "oldest kept \(oldest), latest \(latest)")
            #expect(oldest > lagging + 1, "the batches B needs are gone")
            // Pruning again with the same retention deletes nothing more.
            try await storeB.pruneChangeLog(retaining: 10)
            #expect(try await storeA.oldestChangeLogRevision() == oldest)

            // B cannot replay from its revision: it reloads, and ends in A's state.
            let caughtUp = try await b.catchUp()
            #expect(caughtUp == latest)
            let stored = try await storeA.loadState(limits: Limits())
            #expect(b.snapshots.latest().state.sameContent(as: stored), "B differs from the database after reloading")
            // A writer that lags behind the window also commits on the latest state.
            let next = try await b.submit(.registerDevice(name: "on-b", services: []), actor: owner.id)
            #expect(next.revision == latest + 1)
            // A catches up by replaying B's batch (still in the log).
            #expect(try await a.catchUp() == latest + 1)
            #expect(a.snapshots.latest().state.sameContent(as: try await storeA.loadState(limits: Limits())))
        }
    }

    @Test func aRetentionLargerThanTheLogDeletesNothing() async throws {
        try await withStore(.postgres) { slot in
            let store = try await slot.open() as! PostgresSharingStore
            let writer = try await SharingWriter.open(persistence: store)
            _ = try await writer.createAccount(email: "owner@example.com", language: .en)
            let before = try await store.oldestChangeLogRevision()
            try await store.pruneChangeLog(retaining: 1_000)
            #expect(try await store.oldestChangeLogRevision() == before)
            #expect(before != nil)
            try await store.close()
        }
    }
}
