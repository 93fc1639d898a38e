/// The single writer: every write passes through here.
///
/// A write is validated and applied to the in-memory state, then the batch of
/// writes that arrived meanwhile is committed through ``SharingPersistence`` in
/// one transaction (group commit), then the new snapshot is published, and only
/// then are the callers resumed. So an acknowledged write is durable, and a read
/// made after the acknowledgement sees it.
///
/// With a store shared by several instances (PostgreSQL) the batch is applied
/// inside the store's transaction, on the latest state of all instances
/// (``SharingPersistence/commitSerialized(from:_:)``), and ``catchUp()``
/// publishes what the others committed.
///
/// Within a batch each write sees the state including the earlier writes of the
/// batch; a write that fails validation changes nothing and does not affect the
/// others. If the commit fails, every write of the batch fails with
/// `STORAGE_UNAVAILABLE` (or `COMMIT_OUTCOME_UNKNOWN` when the store cannot
/// tell whether the commit landed) and the state goes back to what storage holds.
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
    public init(
        state: SharingState, persistence: any SharingPersistence, maxBatch: Int = 512,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        precondition(maxBatch > 0)
        self.committed = state
        self.snapshots = SharingSnapshots(state, clock: clock)
        self.persistence = persistence
        self.maxBatch = maxBatch
        self.clock = clock
    }

    /// Loads the committed state from `persistence` and starts a writer on it.
    public static func open(
        persistence: any SharingPersistence, limits: Limits = Limits(), maxBatch: Int = 512,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) async throws -> SharingWriter {
        let state = try await persistence.loadState(limits: limits)
        return SharingWriter(state: state, persistence: persistence, maxBatch: maxBatch, clock: clock)
    }

    /// Submits a write and returns once it is durable (or has failed).
    public func submit(_ command: SharingCommand, actor: AccountID?) async throws(SharingError) -> WriteResult {
        let result = await withCheckedContinuation {
            (c: CheckedContinuation<Result<WriteResult, SharingError>, Never>) in
            pending.append(Pending(command: command, actor: actor, continuation: c))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
        return try result.get()
    }

    /// Creates an account with a fresh API key. The key is returned here once
    /// and never stored. A nil language is inherited from the contact entries
    /// for the email, else English.
    public func createAccount(email: String, language: Language?) async throws(SharingError) -> (
        WriteResult, apiKey: String
    ) {
        let key = APIKey.generate()
        let result = try await submit(
            .createAccount(email: email, language: language, apiKeyHash: APIKey.hash(key)), actor: nil)
        return (result, key)
    }

    /// Adds a named API key to `actor`'s account. The key is returned here
    /// once and never stored.
    public func createAPIKey(name: String, actor: AccountID) async throws(SharingError) -> (WriteResult, apiKey: String)
    {
        let key = APIKey.generate()
        let result = try await submit(.createAPIKey(name: name, hash: APIKey.hash(key)), actor: actor)
        return (result, key)
    }

    private func drain() async {
        while !pending.isEmpty {
            let take = min(pending.count, maxBatch)
            let batch = Array(pending.prefix(take))
            pending.removeFirst(take)
            await commit(batch)
        }
        draining = false
        let waiters = idleWaiters
        idleWaiters = []
        for w in waiters { w.resume() }
    }

    /// Returns once every write submitted so far has been committed or failed:
    /// for a graceful shutdown, stop accepting calls, then await this.
    public func waitUntilIdle() async {
        guard draining || !pending.isEmpty else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    /// What one batch came to, on the state the store brought it to.
    private struct Prepared: Sendable {
        let state: SharingState
        let results: [Result<WriteResult, SharingError>]
        let wrote: Bool
    }

    /// Applies `commands` in order on `base` (the latest committed state, in
    /// a store shared by several instances after catching up from them).
    private static func prepare(
        _ commands: [(SharingCommand, AccountID?)], on base: SharingState,
        clock: @Sendable () -> Timestamp
    ) -> (CommitBatch?, Prepared) {
        var working = base
        var changes = Changes()
        var results: [Result<WriteResult, SharingError>] = []
        results.reserveCapacity(commands.count)
        for (command, actor) in commands {
            do {
                let applied = try working.apply(command, actor: actor, at: clock())
                working = applied.state
                changes.append(applied.changes)
                results.append(.success(WriteResult(revision: applied.state.revision, outcome: applied.outcome)))
            } catch {
                results.append(.failure(error))
            }
        }
        let wrote = working.revision != base.revision
        let batch = wrote ? CommitBatch(revision: working.revision, counters: working.counters, changes: changes) : nil
        return (batch, Prepared(state: working, results: results, wrote: wrote))
    }

    private func commit(_ batch: [Pending]) async {
        let commands = batch.map { ($0.command, $0.actor) }
        let clock = self.clock
        let results: [Result<WriteResult, SharingError>]
        do {
            // The actor is free while this awaits: new writes queue up for the next batch.
            let prepared = try await persistence.commitSerialized(from: committed) { base in
                Self.prepare(commands, on: base, clock: clock)
            }
            if prepared.wrote { batchesCommitted += 1 }
            adopt(prepared.state)
            results = prepared.results
        } catch {
            // Every write of the batch fails, including one the rules would
            // have refused: with a shared store the rules ran (if at all) on
            // a state this transaction never committed. A commit that may
            // have landed must not read as not-processed (UNAVAILABLE).
            let failure =
                error is CommitOutcomeUnknown
                ? SharingError(
                    .commitOutcomeUnknown,
                    message: "the outcome is unknown: \(error); read the state before repeating the write")
                : SharingError(.storageUnavailable, message: "commit failed: \(error)")
            results = Array(repeating: .failure(failure), count: batch.count)
            // Nothing was sent: storage holds the committed state, and reading
            // it now would only fail the same way and hold up the next batch.
            if !(error is CommitNotStarted) { await rollBack() }
        }
        for (p, r) in zip(batch, results) { p.continuation.resume(returning: r) }
    }

    /// Installs `state` as committed and publishes it if it is newer. Two
    /// states with the same revision are the same (one total order of
    /// writes), so a catch-up finishing after a commit changes nothing.
    private func adopt(_ state: SharingState) {
        guard state.revision > committed.revision else { return }
        committed = state
        snapshots.publish(state)
    }

    /// Brings the snapshot up to the latest revision committed by any
    /// instance (a store shared by several; for one writer, nothing happens).
    /// Returns the revision published afterwards.
    @discardableResult
    public func catchUp() async throws -> UInt64 {
        let caughtUp = try await persistence.catchUp(committed)
        adopt(caughtUp)
        return committed.revision
    }

    /// After a failed commit the in-memory state is dropped. Storage is the
    /// truth: a commit that failed late might still have landed.
    ///
    /// First catch up (a shared store replays the change log, where such a
    /// batch would be, and needs nothing else). If that cannot even read
    /// storage, keep the last committed state, which storage held, rather
    /// than wait out a reload too. Otherwise reload the whole state (a store
    /// with one writer has no log: its catch-up changes nothing).
    private func rollBack() async {
        do {
            let caughtUp = try await persistence.catchUp(committed)
            if caughtUp.revision > committed.revision {
                adopt(caughtUp)
                return
            }
        } catch {
            return
        }
        if let stored = try? await persistence.loadState(limits: committed.limits),
            stored.revision >= committed.revision
        {
            adopt(stored)
        }
    }

    /// The revision of the last committed batch.
    public var committedRevision: UInt64 { committed.revision }
}
