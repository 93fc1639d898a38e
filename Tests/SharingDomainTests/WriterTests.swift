import Testing

@testable import SharingDomain

@Suite struct WriterTests {
    func makeWriter(_ p: InMemoryPersistence, maxBatch: Int = 512) async throws -> SharingWriter {
        try await SharingWriter.open(persistence: p, maxBatch: maxBatch)
    }

    @Test func acknowledgedWritesAreDurableAndVisible() async throws {
        let p = InMemoryPersistence()
        let w = try await makeWriter(p)
        let (result, key) = try await w.createAccount(email: "a@example.com", language: .en)
        guard case let .account(a) = result.outcome else {
            Issue.record("no account")
            return
        }
        #expect(result.revision == 1)
        // Read-your-write without a token: the snapshot is published before the ack.
        #expect(w.snapshots.latest().state.authenticate(apiKey: key) == a.id)
        #expect(await p.batches.count == 1)
        #expect(await p.events.map(\.kind) == [.accountCreated])
    }

    @Test func groupCommitsConcurrentWritesWithMonotonicRevisions() async throws {
        let p = InMemoryPersistence()
        await p.setDelay(.milliseconds(5))
        let w = try await makeWriter(p)
        let (acc, _) = try await w.createAccount(email: "a@example.com", language: .en)
        guard case let .account(a) = acc.outcome else { return }
        let n = 300
        let revisions = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for i in 0..<n {
                group.addTask {
                    let r = try await w.submit(.registerDevice(name: "d\(i)", services: []), actor: a.id)
                    // Acknowledged means published: the snapshot already includes it.
                    #expect(w.snapshots.revision >= r.revision)
                    return r.revision
                }
            }
            var all: [UInt64] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(Set(revisions).count == n)  // each write has its own revision
        #expect(revisions.min() == 2 && revisions.max() == UInt64(n + 1))
        let batches = await p.batches
        #expect(batches.count < n / 2, "expected batching, got \(batches.count) commits for \(n) writes")
        // Batch revisions strictly increase.
        #expect(zip(batches, batches.dropFirst()).allSatisfy { $0.revision < $1.revision })
        #expect(w.snapshots.revision == UInt64(n + 1))
        #expect(w.snapshots.latest().state.deviceCount == n)
        #expect(await w.batchesCommitted == batches.count)
    }

    @Test func aFailingWriteDoesNotAffectOthersInItsBatch() async throws {
        let p = InMemoryPersistence()
        await p.setDelay(.milliseconds(20))
        let w = try await makeWriter(p)
        let (acc, _) = try await w.createAccount(email: "a@example.com", language: .en)
        guard case let .account(a) = acc.outcome else { return }
        let outcomes = await withTaskGroup(of: Result<WriteResult, SharingError>.self) { group in
            for i in 0..<40 {
                group.addTask {
                    // Every other write has an empty name and must fail alone.
                    do throws(SharingError) {
                        return .success(
                            try await w.submit(
                                .registerDevice(name: i % 2 == 0 ? "ok\(i)" : "", services: []), actor: a.id))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<WriteResult, SharingError>] = []
            for await r in group { all.append(r) }
            return all
        }
        let ok = outcomes.filter { if case .success = $0 { true } else { false } }
        #expect(ok.count == 20)
        for case let .failure(e) in outcomes { #expect(e.reason == .invalidArgument) }
        #expect(w.snapshots.latest().state.deviceCount == 20)
        #expect(w.snapshots.revision == 21)
    }

    @Test func writesInOneBatchSeeEarlierWritesOfTheBatch() async throws {
        let p = InMemoryPersistence()
        await p.setDelay(.milliseconds(30))
        let w = try await makeWriter(p)
        // Two accounts with the same email submitted together: exactly one wins.
        async let one = try? w.createAccount(email: "same@example.com", language: .en)
        async let two = try? w.createAccount(email: "SAME@example.com", language: .ja)
        let results = await [one, two]
        #expect(results.compactMap { $0 }.count == 1)
        #expect(w.snapshots.latest().state.accountCount == 1)
    }

    @Test func commitFailureFailsTheWholeBatchAndRollsBack() async throws {
        let p = InMemoryPersistence()
        let w = try await makeWriter(p)
        let (acc, _) = try await w.createAccount(email: "a@example.com", language: .en)
        guard case let .account(a) = acc.outcome else { return }
        let before = w.snapshots.revision
        await p.failNext()
        await p.setDelay(.milliseconds(20))
        let outcomes = await withTaskGroup(of: SharingError?.self) { group in
            for i in 0..<10 {
                group.addTask {
                    do throws(SharingError) {
                        _ = try await w.submit(.registerDevice(name: "d\(i)", services: []), actor: a.id)
                        return nil
                    } catch { return error }
                }
            }
            var all: [SharingError?] = []
            for await r in group { all.append(r) }
            return all
        }
        // The first batch failed as a whole; later batches (if any formed) committed.
        let failed = outcomes.compactMap { $0 }
        #expect(!failed.isEmpty)
        #expect(failed.allSatisfy { $0.reason == .storageUnavailable && $0.status == .unavailable })
        let state = w.snapshots.latest().state
        #expect(state.deviceCount == 10 - failed.count)
        #expect(state.revision == before + UInt64(10 - failed.count))
        // After the failure the writer goes on from the committed state: no gaps, no reuse.
        let next = try await w.submit(.registerDevice(name: "after", services: []), actor: a.id)
        #expect(next.revision == state.revision + 1)
        let reloaded = try await p.loadState(limits: Limits())
        #expect(reloaded.deviceCount == state.deviceCount + 1)
        #expect(reloaded.revision == next.revision)
    }

    @Test func commitFailureWithUnreadableStorageKeepsTheLastCommittedState() async throws {
        let p = InMemoryPersistence()
        let w = try await makeWriter(p)
        let (acc, _) = try await w.createAccount(email: "a@example.com", language: .en)
        guard case let .account(a) = acc.outcome else { return }
        await p.failNext()
        await p.setFailLoads(true)
        await #expect(throws: SharingError.self) {
            try await w.submit(.registerDevice(name: "x", services: []), actor: a.id)
        }
        #expect(w.snapshots.revision == 1)
        #expect(await w.committedRevision == 1)
        #expect(w.snapshots.latest().state.deviceCount == 0)
        let ok = try await w.submit(.registerDevice(name: "y", services: []), actor: a.id)
        #expect(ok.revision == 2)
    }

    @Test func validationFailuresCommitNothing() async throws {
        let p = InMemoryPersistence()
        let w = try await makeWriter(p)
        await #expect(throws: SharingError.self) {
            try await w.submit(.registerDevice(name: "x", services: []), actor: AccountID(raw: 1))
        }
        #expect(await p.batches.isEmpty)
        #expect(w.snapshots.revision == 0)
    }

    @Test func stateSurvivesReopenThroughPersistence() async throws {
        let p = InMemoryPersistence()
        let w = try await makeWriter(p)
        let (acc, key) = try await w.createAccount(email: "a@example.com", language: .en)
        guard case let .account(a) = acc.outcome else { return }
        _ = try await w.submit(
            .registerDevice(name: "pi", services: [ServiceSpec(name: "ssh", port: 22, protocol: "tcp")]), actor: a.id)
        let again = try await makeWriter(p)
        let s = again.snapshots.latest().state
        #expect(s.revision == 2 && s.authenticate(apiKey: key) == a.id && s.deviceCount == 1)
        let d = try await again.submit(.registerDevice(name: "second", services: []), actor: a.id)
        guard case let .device(dev) = d.outcome else { return }
        #expect(dev.id == DeviceID(raw: 2))  // counters were restored: no id reuse
    }
}

@Suite struct SnapshotTests {
    @Test func atLeastRevisionWaitsForTheWriter() async throws {
        let p = InMemoryPersistence()
        let w = try await SharingWriter.open(persistence: p)
        async let waited = w.snapshots.snapshot(atLeast: 1, timeout: .seconds(5))
        // Until the reader waits (bounded: 10 000 polls of at least 1 ms).
        for _ in 0..<10_000 where w.snapshots.waitingReaders == 0 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(w.snapshots.waitingReaders == 1)
        _ = try await w.createAccount(email: "a@example.com", language: .en)
        let s = try await waited
        #expect(s.revision >= 1)
        #expect(s.state.accountCount == 1)
        #expect(w.snapshots.waitingReaders == 0)
    }

    @Test func alreadyReachedRevisionAnswersAtOnce() async throws {
        let holder = SharingSnapshots(SharingState())
        let s = try await holder.snapshot(atLeast: 0, timeout: .zero)
        #expect(s.revision == 0)
    }

    @Test func unreachedRevisionTimesOut() async throws {
        let holder = SharingSnapshots(SharingState())
        await #expect(
            throws: SharingError(
                .revisionNotReached, subject: "7", field: .atLeastRevision,
                message: "revision 7 not reached within 50 ms (this server is at revision 0)")
        ) {
            _ = try await holder.snapshot(atLeast: 7, timeout: .milliseconds(50))
        }
        #expect(holder.waitingReaders == 0)
    }

    @Test func cancellationEndsTheWait() async throws {
        let holder = SharingSnapshots(SharingState())
        let task = Task { () async throws -> UInt64 in
            try await holder.snapshot(atLeast: 3, timeout: .seconds(30)).revision
        }
        for _ in 0..<10_000 where holder.waitingReaders == 0 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(holder.waitingReaders == 1)
        task.cancel()
        let result = await task.result
        guard case let .failure(e) = result else {
            Issue.record("expected cancellation")
            return
        }
        #expect((e as? SharingError)?.reason == .cancelled)
        #expect(holder.waitingReaders == 0)
    }

    @Test func publishNeverGoesBack() {
        var s = SharingState()
        s.revision = 5
        let holder = SharingSnapshots(s)
        var older = SharingState()
        older.revision = 3
        holder.publish(older)
        #expect(holder.revision == 5)
    }
}

@Suite struct ConcurrentReadTests {
    /// Checks run on snapshots from many tasks while the writer grants and
    /// revokes: every answer matches the revision it was read at, and a check
    /// made with "at least the revoke's revision" never lets the user in.
    @Test func checksDuringWritesAndNewEnemy() async throws {
        let p = InMemoryPersistence()
        let w = try await SharingWriter.open(persistence: p)
        let (aRes, _) = try await w.createAccount(email: "a@example.com", language: .en)
        let (bRes, _) = try await w.createAccount(email: "b@example.com", language: .en)
        guard case let .account(a) = aRes.outcome, case let .account(b) = bRes.outcome else { return }
        _ = try await w.submit(.createContact(email: "b@example.com", fields: ContactFields()), actor: a.id)
        let reg = try await w.submit(
            .registerDevice(name: "pi", services: [ServiceSpec(name: "ssh", port: 22, protocol: "tcp")]), actor: a.id)
        guard case let .device(d) = reg.outcome else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<2_000 {
                        let snap = w.snapshots.latest()
                        let allowed = snap.state.check(user: b.id, device: d.id, port: 22)
                        let shared = snap.state.shareCount == 1
                        #expect(allowed == shared)
                        await Task.yield()
                    }
                }
            }
            group.addTask {
                for _ in 0..<50 {
                    _ = try await w.submit(
                        .share(devices: [d.id], emails: ["b@example.com"], access: .all(), notify: false), actor: a.id)
                    let revoke = try await w.submit(
                        .removeShares(devices: [d.id], emails: ["b@example.com"], notify: false), actor: a.id)
                    let snap = try await w.snapshots.snapshot(atLeast: revoke.revision, timeout: .seconds(5))
                    #expect(!snap.state.check(user: b.id, device: d.id, port: 22))
                }
            }
            try await group.waitForAll()
        }
    }
}

@Suite struct WriterShutdownTests {
    @Test func waitUntilIdleReturnsAfterEverySubmittedWriteIsDone() async throws {
        let p = InMemoryPersistence()
        await p.setDelay(.milliseconds(10))
        let w = try await SharingWriter.open(persistence: p)
        await w.waitUntilIdle()  // nothing pending: returns at once
        let tasks = (0..<20).map { i in
            Task { try? await w.createAccount(email: "u\(i)@example.com", language: .en) }
        }
        // Until the first write is under way (bounded: 10 000 polls of at least 1 ms).
        for _ in 0..<10_000 {
            guard await p.batches.isEmpty && w.snapshots.revision == 0 else { break }
            try await Task.sleep(for: .milliseconds(1))
        }
        await w.waitUntilIdle()
        for t in tasks { _ = await t.value }
        #expect(w.snapshots.revision == 20)
        #expect(await p.batches.reduce(0) { $0 + $1.changes.events.count } == 20)
    }
}
