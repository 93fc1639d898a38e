import Testing
@testable import SharingDomain

/// The writer applies batch N+1 while batch N commits; these pin down what
/// that may and may not change. `maxBatch: 1` makes two writes that arrive
/// together form two batches, the second applied on top of the first.
@Suite(.timeLimit(.minutes(1)))
struct WriterPipelineTests {
    /// Waits (bounded) until `p` has begun `n` commits.
    func waitForCommits(_ p: InMemoryPersistence, _ n: Int) async throws {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(10)
        while await p.commitsStarted < n, clock.now < end { try await Task.sleep(for: .milliseconds(1)) }
        #expect(await p.commitsStarted >= n)
    }

    /// A writer with one account (revision 1) whose commits take 50 ms.
    func setup() async throws -> (InMemoryPersistence, SharingWriter, AccountID) {
        let p = InMemoryPersistence()
        let w = try await SharingWriter.open(persistence: p, maxBatch: 1)
        let (acc, _) = try await w.createAccount(email: "a@example.com", language: .en)
        guard case let .account(a) = acc.outcome else { throw SharingError(.accountNotFound, message: "no account") }
        await p.setDelay(.milliseconds(50))
        return (p, w, a.id)
    }

    func device(_ w: SharingWriter, _ name: String, _ a: AccountID) async -> Result<WriteResult, SharingError> {
        do throws(SharingError) {
            return .success(try await w.submit(.registerDevice(name: name, services: []), actor: a))
        } catch {
            return .failure(error)
        }
    }

    @Test func aRidingBatchIsAcknowledgedOnlyAfterItsOwnCommit() async throws {
        let (p, w, a) = try await setup()
        async let x = device(w, "x", a)
        try await waitForCommits(p, 2)
        async let one = device(w, "one", a)
        async let two = device(w, "two", a)
        for r in [await one, await two] {
            let result = try r.get()
            // Acknowledged means committed and published.
            #expect(await p.batches.contains { $0.revision == result.revision })
            #expect(w.snapshots.revision >= result.revision)
        }
        _ = try await x.get()
        #expect(await p.batches.map(\.revision) == [1, 2, 3, 4])
    }

    @Test func aFailedCommitAlsoFailsTheBatchAppliedOnTopOfIt() async throws {
        let (p, w, a) = try await setup()
        async let x = device(w, "x", a)
        try await waitForCommits(p, 2)
        await p.failCommit(ofRevision: 3)
        // Both valid; whichever is batched first fails its commit, and the
        // other, applied on top of it, must not stand either.
        async let one = device(w, "one", a)
        async let two = device(w, "two", a)
        for result in [await one, await two] {
            guard case let .failure(e) = result else { Issue.record("expected a failure"); continue }
            #expect(e.reason == .storageUnavailable)
            #expect(e.status == .unavailable)
        }
        _ = try await x.get()
        #expect(w.snapshots.revision == 2)
        #expect(w.snapshots.latest().state.deviceCount == 1)
        #expect(await p.commitsStarted == 3, "the riding batch must never reach storage")
        // The writer goes on from storage's state: no gaps, no reused revision.
        await p.setDelay(.zero)
        let after = try await w.submit(.registerDevice(name: "after", services: []), actor: a)
        #expect(after.revision == 3)
        #expect(try await p.loadState(limits: Limits()).deviceCount == 2)
    }

    @Test func aRejectionInARidingBatchWaitsForTheCommitBeneathIt() async throws {
        let (p, w, a) = try await setup()
        async let x = device(w, "x", a)
        try await waitForCommits(p, 2)
        func contact() async -> SharingError? {
            do throws(SharingError) {
                _ = try await w.submit(.createContact(email: "c@example.com", fields: ContactFields()), actor: a)
                return nil
            } catch {
                // By the time the rejection is out, the write it depends on is durable.
                #expect(await p.batches.count == 3)
                return error
            }
        }
        async let one = contact()
        async let two = contact()
        let errors = [await one, await two].compactMap { $0 }
        #expect(errors.map(\.reason) == [.contactExists])
        _ = try await x.get()
        #expect(await p.batches.count == 3)
        #expect(w.snapshots.latest().state.contactCount == 1)
    }
}
