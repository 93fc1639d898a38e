/// The single writer: every write passes through here.
///
/// A write is validated and applied to the in-memory state, then the batch of
/// writes that arrived meanwhile is committed through ``SharingPersistence`` in
/// one transaction (group commit), then the new snapshot is published, and only
/// then are the callers resumed. The next batch is applied while the current
/// one commits (see `drain()`). So an acknowledged write is durable, and a read
/// made after the acknowledgement sees it.
///
/// Within a batch each write sees the state including the earlier writes of the
/// batch; a write that fails validation changes nothing and does not affect the
/// others. If the commit fails, every write of the batch fails with
/// `STORAGE_UNAVAILABLE` and the state goes back to what storage holds.
public actor SharingWriter {
    /// The published snapshots; read them without awaiting the writer.
    public nonisolated let snapshots: SharingSnapshots
    private let persistence: any SharingPersistence
    private let clock: @Sendable () -> Timestamp
    /// Most writes in one transaction; bounds the latency a batch adds.
    public nonisolated let maxBatch: Int

    /// The last committed state: the base of the next batch.
    private var committed: SharingState
    private var pending: [Pending] = []
    private var draining = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Commits made (for tests and metrics).
    public private(set) var batchesCommitted = 0

    private struct Pending {
        let command: SharingCommand
        let actor: AccountID?
        let continuation: CheckedContinuation<Result<WriteResult, SharingError>, Never>
    }

    /// A writer over an already loaded state.
    public init(state: SharingState, persistence: any SharingPersistence, maxBatch: Int = 512,
                clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        precondition(maxBatch > 0)
        self.committed = state
        self.snapshots = SharingSnapshots(state)
        self.persistence = persistence
        self.maxBatch = maxBatch
        self.clock = clock
    }

    /// Loads the committed state from `persistence` and starts a writer on it.
    public static func open(persistence: any SharingPersistence, limits: Limits = Limits(), maxBatch: Int = 512,
                            clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) async throws -> SharingWriter {
        let state = try await persistence.loadState(limits: limits)
        return SharingWriter(state: state, persistence: persistence, maxBatch: maxBatch, clock: clock)
    }

    /// Submits a write and returns once it is durable (or has failed).
    public func submit(_ command: SharingCommand, actor: AccountID?) async throws(SharingError) -> WriteResult {
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<WriteResult, SharingError>, Never>) in
            pending.append(Pending(command: command, actor: actor, continuation: c))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
        return try result.get()
    }

    /// Creates an account with a fresh API key. The key is returned here once
    /// and never stored.
    public func createAccount(email: String, language: Language) async throws(SharingError) -> (WriteResult, apiKey: String) {
        let key = APIKey.generate()
        let result = try await submit(.createAccount(email: email, language: language, apiKeyHash: APIKey.hash(key)), actor: nil)
        return (result, key)
    }

    /// A batch applied in memory, waiting for (or in) its commit.
    private struct Prepared {
        let writes: [Pending]
        var results: [Result<WriteResult, SharingError>]
        /// The state after the batch; equal to its base's revision if every write failed.
        let state: SharingState
        let changes: Changes
        let baseRevision: UInt64
        var changesState: Bool { state.revision != baseRevision }
    }

    /// Pipelined group commit: while batch N is being committed (mostly
    /// waiting on fsync), batch N+1 is validated and applied on top of N's
    /// state, so the SQLite thread goes straight from one commit to the next.
    /// Nothing of N+1 is acknowledged, published or even committed before N's
    /// commit has succeeded; if N's fails, N+1 fails too, "not processed".
    private func drain() async {
        var base = committed
        var inFlight: (batch: Prepared, commit: Task<Result<Void, any Error>, Never>)?
        while true {
            var next: Prepared?
            if !pending.isEmpty {
                let take = min(pending.count, maxBatch)
                let writes = Array(pending.prefix(take))
                pending.removeFirst(take)
                let prepared = apply(writes, on: base)
                base = prepared.state
                next = prepared
            }
            if let current = inFlight {
                inFlight = nil
                switch await current.commit.value {
                case .success:
                    committed = current.batch.state
                    batchesCommitted += 1
                    snapshots.publish(current.batch.state)
                    resume(current.batch.writes, current.batch.results)
                case let .failure(error):
                    let failure = SharingError(.storageUnavailable, message: "commit failed: \(error)")
                    resume(current.batch.writes, current.batch.results.map { r in r.flatMap { _ in .failure(failure) } })
                    // The next batch was applied on top of the failed one: none of it may stand.
                    if let dropped = next {
                        let notRun = SharingError(.storageUnavailable, message: "not applied: an earlier commit failed: \(error)")
                        resume(dropped.writes, dropped.writes.map { _ in .failure(notRun) })
                        next = nil
                    }
                    await rollBack()
                    base = committed
                }
            }
            guard let batch = next else {
                if pending.isEmpty { break }
                continue
            }
            guard batch.changesState else {
                // Every write failed validation against a state that is now committed.
                resume(batch.writes, batch.results)
                continue
            }
            let persistence = self.persistence
            let commitBatch = CommitBatch(revision: batch.state.revision, counters: batch.state.counters,
                                          changes: batch.changes)
            inFlight = (batch, Task { () -> Result<Void, any Error> in
                do {
                    try await persistence.commit(commitBatch)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            })
        }
        draining = false
        let waiters = idleWaiters
        idleWaiters = []
        for w in waiters { w.resume() }
    }

    /// Validates and applies `writes` in order on `base`; a failing write changes nothing.
    private func apply(_ writes: [Pending], on base: SharingState) -> Prepared {
        var working = base
        var changes = Changes()
        var results: [Result<WriteResult, SharingError>] = []
        results.reserveCapacity(writes.count)
        for p in writes {
            do {
                let applied = try working.apply(p.command, actor: p.actor, at: clock())
                working = applied.state
                changes.append(applied.changes)
                results.append(.success(WriteResult(revision: applied.state.revision, outcome: applied.outcome)))
            } catch {
                results.append(.failure(error))
            }
        }
        return Prepared(writes: writes, results: results, state: working, changes: changes, baseRevision: base.revision)
    }

    private func resume(_ writes: [Pending], _ results: [Result<WriteResult, SharingError>]) {
        for (p, r) in zip(writes, results) { p.continuation.resume(returning: r) }
    }

    /// Returns once every write submitted so far has been committed or failed:
    /// for a graceful shutdown, stop accepting calls, then await this.
    public func waitUntilIdle() async {
        guard draining || !pending.isEmpty else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    /// After a failed commit the in-memory state is dropped. Storage is the
    /// truth: reload it if possible (a commit that failed late might still have
    /// landed); otherwise keep the last committed state, which storage held.
    private func rollBack() async {
        if let stored = try? await persistence.loadState(limits: committed.limits),
           stored.revision >= committed.revision {
            committed = stored
            snapshots.publish(stored)
        }
    }

    /// The revision of the last committed batch.
    public var committedRevision: UInt64 { committed.revision }
}
