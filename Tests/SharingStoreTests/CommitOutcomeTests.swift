import Foundation
import Logging
import PostgresNIO
import SharewireTestSupport
import SharingDomain
import SharingSQL
import Testing

@testable import SharingPostgres

/// A PostgreSQL write whose COMMIT was sent but whose answer never came has
/// an unknown outcome. The store resolves it through the change log (its
/// batch's entry, recognised by its batch token, is there or not) and answers
/// success or the not-processed STORAGE_UNAVAILABLE; only when the log cannot
/// tell does it say COMMIT_OUTCOME_UNKNOWN (status UNKNOWN), never
/// STORAGE_UNAVAILABLE, which clients take as "not processed" and may resend.
/// The faults are injected through the store's commit seam on the real
/// server: the connection is closed right after COMMIT went through (the
/// answer lost), or instead of sending it, or the backend is terminated
/// (`pg_terminate_backend`) right after COMMIT was sent.
@Suite struct CommitOutcomeTests {
    /// Opens a store and a writer on it with one account, runs `body`, closes.
    func withWriter(_ body: (PostgresSharingStore, SharingWriter, AccountID) async throws -> Void) async throws {
        try await withStore(.postgres) { slot in
            let store = try await slot.open() as! PostgresSharingStore
            let writer = try await SharingWriter.open(persistence: store)
            let (created, _) = try await writer.createAccount(email: "owner@example.com", language: .en)
            guard case let .account(owner) = created.outcome else {
                Issue.record("no account")
                return
            }
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

    @Test func aCommitWhoseAnswerIsLostIsResolvedAsCommittedThroughTheChangeLog() async throws {
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
            // It did land: the change log has its entry, so the write succeeds.
            let written = try await writer.submit(.registerDevice(name: "lost-answer", services: []), actor: owner)
            #expect(written.revision == before + 1)
            store.commitFault.withLock { $0 = nil }
            let after = try await stored(store)
            #expect(after.revision == before + 1)
            #expect(try after.listDevices(owner, cursor: nil, pageSize: 10).items.map(\.device.name) == ["lost-answer"])
            #expect(writer.snapshots.revision == after.revision)
            // The next write goes on from there.
            let next = try await writer.submit(.registerDevice(name: "next", services: []), actor: owner)
            #expect(next.revision == after.revision + 1)
        }
    }

    @Test func aConnectionLostBeforeCommitIsResolvedAsNotProcessed() async throws {
        try await withWriter { store, writer, owner in
            let before = try await stored(store).revision
            // The connection dies with COMMIT about to go: the client cannot tell this apart.
            store.commitFault.withLock {
                $0 = { c, _ in
                    try await c.close()
                    throw InjectedConnectionLoss()
                }
            }
            // Nothing landed, and the change log says so: a definite failure.
            let failure = await #expect(throws: SharingError.self) {
                _ = try await writer.submit(.registerDevice(name: "never", services: []), actor: owner)
            }
            #expect(failure?.reason == .storageUnavailable)
            #expect(failure?.message.contains("did not commit") == true)
            store.commitFault.withLock { $0 = nil }
            #expect(try await stored(store).revision == before)
            #expect(writer.snapshots.revision == before)
            let next = try await writer.submit(.registerDevice(name: "next", services: []), actor: owner)
            #expect(next.revision == before + 1)
        }
    }

    /// The backend is killed right after COMMIT was sent: whichever way the
    /// race goes, the answer agrees with what the database holds, and it is
    /// never UNKNOWN (the log can always tell here).
    @Test func aBackendTerminatedAtCommitGetsTheAnswerTheDatabaseHolds() async throws {
        try await withWriter { store, writer, owner in
            store.commitFault.withLock {
                $0 = { [store] c, logger in
                    let pid = try await c.fetch(SQLStatement("SELECT pg_backend_pid()"), logger: logger) {
                        try $0.int(0)
                    }
                    let commit: EventLoopFuture<PostgresQueryResult> = c.query(
                        PostgresQuery(unsafeSQL: "COMMIT"), logger: logger)
                    try await store.withConnection { other in
                        try await other.execute(
                            SQLStatement("SELECT pg_terminate_backend(CAST(? AS INTEGER))", [.int(pid[0])]),
                            logger: logger)
                    }
                    _ = try await commit.get()
                }
            }
            for round in 0..<8 {
                let before = try await storedAfterKill(store).revision
                let name = "race-\(round)"
                let answer: Result<WriteResult, SharingError>
                do throws(SharingError) {
                    answer = .success(try await writer.submit(.registerDevice(name: name, services: []), actor: owner))
                } catch {
                    answer = .failure(error)
                }
                let after = try await storedAfterKill(store)
                let landed = try after.listDevices(owner, cursor: nil, pageSize: 100).items.contains {
                    $0.device.name == name
                }
                switch answer {
                case let .success(w):
                    #expect(landed && w.revision == before + 1 && after.revision == before + 1, "round \(round)")
                case let .failure(e):
                    #expect(e.reason == .storageUnavailable, "round \(round): \(e)")
                    #expect(!landed && after.revision == before, "round \(round): \(e)")
                }
                #expect(writer.snapshots.revision == after.revision)
            }
            store.commitFault.withLock { $0 = nil }
        }
    }

    /// The stored state read on a connection of its own: the pool may still
    /// hold the killed backend's connection, and hand it out once more
    /// before the FATAL it left behind closes it.
    func storedAfterKill(_ store: PostgresSharingStore) async throws -> SharingState {
        let c = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(),
            configuration: try store.configuration.connectionConfiguration,
            id: 99, logger: store.logger
        ).get()
        do {
            let state = try await PostgresSharingStore.load(on: c, limits: Limits(), logger: store.logger)
            try await c.close()
            return state
        } catch {
            try? await c.close()
            throw error
        }
    }

    /// When the change log no longer reaches the batch (pruned meanwhile;
    /// here deleted outright), the store cannot tell and says UNKNOWN.
    @Test func aLostCommitTheLogCannotResolveStaysUnknown() async throws {
        try await withWriter { store, writer, owner in
            let before = try await stored(store).revision
            store.commitFault.withLock {
                $0 = { [store] c, logger in
                    try await c.query("COMMIT;", logger: logger)
                    try await store.withConnection { other in
                        try await other.execute(SQLStatement("DELETE FROM change_log"), logger: logger)
                    }
                    try await c.close()
                    throw InjectedConnectionLoss()
                }
            }
            let failure = await #expect(throws: SharingError.self) {
                _ = try await writer.submit(.registerDevice(name: "pruned", services: []), actor: owner)
            }
            #expect(failure?.reason == .commitOutcomeUnknown)
            #expect(failure?.status == .unknown)
            store.commitFault.withLock { $0 = nil }
            // It did land; the writer reloaded the state and published it.
            let after = try await stored(store)
            #expect(after.revision == before + 1)
            #expect(writer.snapshots.revision == after.revision)
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
                _ = try await store.writeTransaction { c, _ in
                    try await c.query("SELECT 1 / 0;", logger: store.logger)
                    return ((), nil)
                }
            }
            #expect(!(failure is CommitOutcomeUnknown))
            #expect(try await stored(store).revision == before)
        }
    }
}
