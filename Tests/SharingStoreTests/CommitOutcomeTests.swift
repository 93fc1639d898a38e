import Foundation
import Logging
import PostgresNIO
import Testing
import SharingDomain
import SharewireTestSupport
@testable import SharingPostgres

/// A PostgreSQL write whose COMMIT was sent but whose answer never came has
/// an unknown outcome, and must say so (COMMIT_OUTCOME_UNKNOWN, status
/// UNKNOWN) rather than STORAGE_UNAVAILABLE, which clients take as "not
/// processed" and may resend. The fault is injected through the store's
/// commit seam on the real server: the connection is closed right after
/// COMMIT went through (the answer lost), or instead of sending it.
@Suite struct CommitOutcomeTests {
    /// Opens a store and a writer on it with one account, runs `body`, closes.
    func withWriter(_ body: (PostgresSharingStore, SharingWriter, AccountID) async throws -> Void) async throws {
        try await withStore(.postgres) { slot in
            let store = try await slot.open() as! PostgresSharingStore
            let writer = try await SharingWriter.open(persistence: store)
            let (created, _) = try await writer.createAccount(email: "owner@example.com", language: .en)
            guard case let .account(owner) = created.outcome else { Issue.record("no account"); return }
            do {
                try await body(store, writer, owner.id)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        }
    }

    /// What the injected fault throws, as a dropped connection would.
    struct InjectedConnectionLoss: Error {}

    /// The store's state as a fresh load sees it.
    func stored(_ store: PostgresSharingStore) async throws -> SharingState {
        try await store.loadState(limits: Limits())
    }

    @Test func aCommitWhoseAnswerIsLostIsReportedUnknownAndItsWriteIsThere() async throws {
        try await withWriter { store, writer, owner in
            let before = try await stored(store).revision
            // COMMIT goes through, then the connection dies before the answer is read.
            store.commitFault.withLock {
                $0 = { c, logger in
                    try await c.query("COMMIT;", logger: logger)
                    try await c.close()
                    throw InjectedConnectionLoss()
                }
            }
            let failure = await #expect(throws: SharingError.self) {
                _ = try await writer.submit(.registerDevice(name: "lost-answer", services: []), actor: owner)
            }
            #expect(failure?.reason == .commitOutcomeUnknown)
            #expect(failure?.status == .unknown)
            store.commitFault.withLock { $0 = nil }
            // It did land; the writer caught up to it and published it.
            let after = try await stored(store)
            #expect(after.revision == before + 1)
            #expect(try after.listDevices(owner, cursor: nil, pageSize: 10).items.map(\.device.name) == ["lost-answer"])
            #expect(writer.snapshots.revision == after.revision)
            // The next write goes on from there.
            let next = try await writer.submit(.registerDevice(name: "next", services: []), actor: owner)
            #expect(next.revision == after.revision + 1)
        }
    }

    @Test func aConnectionLostBeforeCommitsAnswerIsUnknownEvenIfNothingLanded() async throws {
        try await withWriter { store, writer, owner in
            let before = try await stored(store).revision
            // The connection dies with COMMIT about to go: the client cannot tell this apart.
            store.commitFault.withLock {
                $0 = { c, _ in
                    try await c.close()
                    throw InjectedConnectionLoss()
                }
            }
            let failure = await #expect(throws: SharingError.self) {
                _ = try await writer.submit(.registerDevice(name: "never", services: []), actor: owner)
            }
            #expect(failure?.reason == .commitOutcomeUnknown)
            store.commitFault.withLock { $0 = nil }
            #expect(try await stored(store).revision == before)
            #expect(writer.snapshots.revision == before)
        }
    }

    @Test func aCommitTheServerRefusesIsADefiniteNotProcessedFailure() async throws {
        try await withWriter { store, writer, owner in
            let before = try await stored(store).revision
            // An ErrorResponse where COMMIT's answer would be: the server rolled back.
            store.commitFault.withLock {
                $0 = { c, logger in
                    do {
                        try await c.query("SELECT 1 / 0;", logger: logger)
                    } catch {
                        _ = try? await c.query("ROLLBACK;", logger: logger)
                        throw error
                    }
                }
            }
            let failure = await #expect(throws: SharingError.self) {
                _ = try await writer.submit(.registerDevice(name: "refused", services: []), actor: owner)
            }
            #expect(failure?.reason == .storageUnavailable)
            store.commitFault.withLock { $0 = nil }
            #expect(try await stored(store).revision == before)
        }
    }

    /// Without the seam, an error before COMMIT (the server gone mid-batch)
    /// stays the not-processed STORAGE_UNAVAILABLE: the transaction rolled back.
    @Test func anErrorBeforeCommitIsNotProcessed() async throws {
        try await withWriter { store, _, _ in
            let before = try await stored(store).revision
            let failure = await #expect(throws: (any Error).self) {
                _ = try await store.writeTransaction { c in
                    try await c.query("SELECT 1 / 0;", logger: store.logger)
                }
            }
            #expect(!(failure is CommitOutcomeUnknown))
            #expect(try await stored(store).revision == before)
        }
    }
}
