import Synchronization

/// A count of events that a test can await: ``wait(atLeast:timeout:)`` is
/// resumed by the ``add(_:)`` that reaches the target (no polling), or with
/// false once `timeout` passes or the waiting task is cancelled. For events
/// the test's own code sees happen (a message received, a call answered, a
/// progress line), in place of a fixed sleep or a poll of a flag.
public final class EventCounter: Sendable {
    private struct State {
        var count = 0
        /// Waiters for a count not reached yet, by a number of their own.
        var waiters: [Int: (target: Int, continuation: CheckedContinuation<Bool, Never>)] = [:]
        var nextWaiter = 0
        /// Waiters whose timeout or cancellation came before they registered.
        var expired: Set<Int> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The events counted so far.
    public var count: Int { state.withLock { $0.count } }

    /// Counts `events` more and resumes the waiters whose target is reached.
    public func add(_ events: Int = 1) {
        let woken = state.withLock { state in
            state.count += events
            let count = state.count
            let ids = state.waiters.filter { $0.value.target <= count }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Awaits a count of at least `target`; false if it is not reached
    /// within `timeout` (or the task is cancelled first).
    public func wait(atLeast target: Int = 1, timeout: Duration) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let timer = Task {
            // A timeout, cancelled once the count is reached.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.resume(id, with: false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer = state.withLock { state -> Bool? in
                    if state.count >= target { return true }
                    if state.expired.remove(id) != nil { return false }
                    state.waiters[id] = (target, continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            self.resume(id, with: false)
        }
    }

    /// Resumes waiter `id` if it still waits (the timer and the count may race).
    private func resume(_ id: Int, with value: Bool) {
        let waiter = state.withLock { state in
            let waiter = state.waiters.removeValue(forKey: id)
            if waiter == nil { state.expired.insert(id) }
            return waiter
        }
        waiter?.continuation.resume(returning: value)
    }
}
