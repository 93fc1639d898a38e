import SharingDomain
import Synchronization

/// Wraps the store the writer commits to, to learn about each commit without
/// touching the writer: it records batch metrics and rings the
/// ``CommitBell`` when a batch queued notifications (after the transaction
/// is durable, so a woken reader finds the rows).
public final class ObservedPersistence: SharingPersistence {
    private let base: any SharingPersistence
    private let bell: CommitBell
    private let metrics: CommitMetrics?
    /// The revision of the last successful commit or load: a batch's number of
    /// writes is its revision minus this, since each write adds one.
    private let lastRevision = Mutex<UInt64>(0)

    public init(_ base: any SharingPersistence, bell: CommitBell, metrics: CommitMetrics?) {
        self.base = base
        self.bell = bell
        self.metrics = metrics
    }

    public func loadState(limits: Limits) async throws -> SharingState {
        let state = try await base.loadState(limits: limits)
        lastRevision.withLock { $0 = state.revision }
        metrics?.revision.record(Int64(clamping: state.revision))
        return state
    }

    public func commit(_ batch: CommitBatch) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await base.commit(batch)
        } catch {
            metrics?.failures.increment()
            throw error
        }
        let writes = lastRevision.withLock { last -> UInt64 in
            defer { last = batch.revision }
            return batch.revision &- last
        }
        committed(batch, writes: writes, elapsed: clock.now - start)
    }

    /// What one transaction wrote, as ``commitSerialized(from:_:)`` learns it.
    private struct Written: Sendable {
        let batch: CommitBatch
        let base: UInt64
    }

    public func commitSerialized<R: Sendable>(
        from state: SharingState, _ apply: @escaping @Sendable (SharingState) -> (CommitBatch?, R)
    ) async throws -> R {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome: (R, Written?, caughtUp: UInt64)
        do {
            outcome = try await base.commitSerialized(from: state) { current in
                let (batch, result) = apply(current)
                return (batch, (result, batch.map { Written(batch: $0, base: current.revision) }, current.revision))
            }
        } catch {
            metrics?.failures.increment()
            throw error
        }
        let (result, written, caughtUp) = outcome
        // Other instances' batches replayed inside the transaction may have
        // queued notifications too.
        if caughtUp > state.revision { bell.ring() }
        if let written {
            lastRevision.withLock { $0 = written.batch.revision }
            // The base is the state the batch was applied to, caught up from
            // other instances: the batch's own writes are the difference.
            committed(written.batch, writes: written.batch.revision &- written.base, elapsed: clock.now - start)
        }
        return result
    }

    /// Other instances' batches: the revision moves, and the bell rings in
    /// case they queued notifications (a watcher then reads the store).
    public func catchUp(_ state: SharingState) async throws -> SharingState {
        let caughtUp = try await base.catchUp(state)
        if caughtUp.revision > state.revision {
            lastRevision.withLock { $0 = max($0, caughtUp.revision) }
            metrics?.revision.record(Int64(clamping: caughtUp.revision))
            bell.ring()
        }
        return caughtUp
    }

    private func committed(_ batch: CommitBatch, writes: UInt64, elapsed: Duration) {
        if let metrics {
            metrics.batchWrites.record(Int64(clamping: writes))
            let (seconds, attoseconds) = elapsed.components
            metrics.duration.recordNanoseconds(seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
            metrics.revision.record(Int64(clamping: batch.revision))
            if !batch.changes.notifications.isEmpty {
                metrics.notifications.increment(by: batch.changes.notifications.count)
            }
        }
        if !batch.changes.notifications.isEmpty { bell.ring() }
    }
}
