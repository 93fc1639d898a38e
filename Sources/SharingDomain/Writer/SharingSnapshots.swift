import Synchronization

/// The latest committed state, readable from any thread without awaiting the
/// writer, and "at least revision R" waits.
///
/// `Check` calls ``latest()``: one lock, one retain. The lock is held only to
/// swap or copy a reference, never while work is done.
public final class SharingSnapshots: Sendable {
    /// An immutable committed state.
    public final class Snapshot: Sendable {
        public let state: SharingState
        /// The clock checks compare share expiries with (injected for tests).
        /// Read only for a share that has an expiry.
        public let clock: @Sendable () -> Timestamp
        public var revision: UInt64 { state.revision }
        init(_ state: SharingState, clock: @escaping @Sendable () -> Timestamp) {
            self.state = state
            self.clock = clock
        }

        /// The snapshot's time now.
        public var now: Timestamp { clock() }

        // Forwarders for the hot path: calling through `snapshot.state.check`
        // from another module copies the whole state value (a retain per map);
        // these borrow it in place.

        /// ``SharingState/check(user:device:port:)`` on this snapshot.
        @inlinable
        public func check(user: AccountID, device: DeviceID, port: UInt16) -> Bool {
            state.check(user: user, device: device, port: port, at: clock())
        }

        /// ``SharingState/checkScripting(user:device:)`` on this snapshot.
        @inlinable
        public func checkScripting(user: AccountID, device: DeviceID) -> Bool {
            state.checkScripting(user: user, device: device, at: clock())
        }

        /// ``SharingState/checkBatch(_:at:)`` on this snapshot.
        public func checkBatch(_ requests: [CheckRequest]) throws(SharingError) -> [Bool] {
            try state.checkBatch(requests, at: clock())
        }
    }

    private struct Waiter {
        let revision: UInt64
        let continuation: CheckedContinuation<Snapshot, any Error>
        var timer: Task<Void, Never>?
    }

    private struct Box {
        var current: Snapshot
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let box: Mutex<Box>
    private let clock: @Sendable () -> Timestamp

    /// Snapshots of `state` and its successors, whose checks compare expiries with `clock`.
    public init(_ state: SharingState, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.clock = clock
        box = Mutex(Box(current: Snapshot(state, clock: clock)))
    }

    /// The latest committed snapshot.
    public func latest() -> Snapshot { box.withLock { $0.current } }

    /// The latest committed revision.
    public var revision: UInt64 { latest().revision }

    /// The message of a wait for `revision` that timed out: `revision 9 not
    /// reached within 50 ms (this server is at revision 5)`.
    static func notReached(_ revision: UInt64, within timeout: Duration, at current: UInt64) -> String {
        let (seconds, attoseconds) = timeout.components
        let milliseconds = max(0, seconds) * 1000 + attoseconds / 1_000_000_000_000_000
        return "revision \(revision) not reached within \(milliseconds) ms (this server is at revision \(current))"
    }

    /// Installs a newer state and wakes the readers it satisfies. Older or
    /// equal revisions are ignored, so the published revision never goes back.
    func publish(_ state: SharingState) {
        let woken: [(Waiter, Snapshot)] = box.withLock { b in
            guard state.revision > b.current.revision else { return [] }
            b.current = Snapshot(state, clock: clock)
            var out: [(Waiter, Snapshot)] = []
            for (id, w) in b.waiters where w.revision <= state.revision {
                out.append((w, b.current))
                b.waiters[id] = nil
            }
            return out
        }
        // Resume outside the lock: a continuation may run code right away.
        for (w, s) in woken {
            w.timer?.cancel()
            w.continuation.resume(returning: s)
        }
    }

    /// A snapshot whose revision is at least `revision`, waiting up to
    /// `timeout` for the writer to get there.
    ///
    /// - Throws: `REVISION_NOT_REACHED` on timeout, `CANCELLED` if the task is cancelled.
    public func snapshot(atLeast revision: UInt64, timeout: Duration) async throws(SharingError) -> Snapshot {
        let now = latest()
        if now.revision >= revision { return now }
        let id = box.withLock { b in
            b.nextWaiter += 1
            return b.nextWaiter
        }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Snapshot, any Error>) in
                    let ready: Snapshot? = box.withLock { b in
                        if b.current.revision >= revision { return b.current }
                        b.waiters[id] = Waiter(revision: revision, continuation: c)
                        return nil
                    }
                    if let ready {
                        c.resume(returning: ready)
                        return
                    }
                    if Task.isCancelled {
                        fail(id, SharingError(.cancelled, message: "cancelled while waiting for a revision"))
                        return
                    }
                    let timer = Task { [weak self] in
                        do { try await Task.sleep(for: timeout) } catch { return }
                        guard let self else { return }
                        // Where this server is tells the caller how far behind it is.
                        self.fail(
                            id,
                            SharingError(
                                .revisionNotReached, subject: String(revision), field: .atLeastRevision,
                                message: Self.notReached(revision, within: timeout, at: self.revision)))
                    }
                    let stillWaiting = box.withLock { b -> Bool in
                        guard b.waiters[id] != nil else { return false }
                        b.waiters[id]!.timer = timer
                        return true
                    }
                    if !stillWaiting { timer.cancel() }
                }
            } onCancel: {
                fail(id, SharingError(.cancelled, message: "cancelled while waiting for a revision"))
            }
        } catch let e as SharingError {
            throw e
        } catch {
            throw SharingError(.cancelled, message: "\(error)")
        }
    }

    /// Fails a waiter if it is still waiting; exactly one of publish, timeout
    /// and cancel removes it from the table, so it is resumed exactly once.
    private func fail(_ id: UInt64, _ error: SharingError) {
        let w = box.withLock { b in b.waiters.removeValue(forKey: id) }
        guard let w else { return }
        w.timer?.cancel()
        w.continuation.resume(throwing: error)
    }

    /// How many readers are waiting (for tests and metrics).
    public var waitingReaders: Int { box.withLock { $0.waiters.count } }
}
