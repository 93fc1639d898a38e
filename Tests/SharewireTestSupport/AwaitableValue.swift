import Synchronization

/// A value behind a lock that tests can await a condition on:
/// ``wait(until:timeout:)`` is resumed by the ``update(_:)`` that makes the
/// condition true (no polling), or with false once `timeout` passes or the
/// waiting task is cancelled. ``EventCounter`` and the RPC tests' handler
/// probe are built on it.
public final class AwaitableValue<Value: Sendable>: Sendable {
    private typealias Condition = @Sendable (Value) -> Bool

    private struct State {
        var value: Value
        /// Waiters whose condition did not hold yet, by a number of their own.
        var waiters: [Int: (condition: Condition, continuation: CheckedContinuation<Bool, Never>)] = [:]
        var nextWaiter = 0
        /// Waiters whose timeout or cancellation came before they registered.
        var expired: Set<Int> = []
    }

    private let state: Mutex<State>

    public init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    /// The value now.
    public var value: Value { state.withLock { $0.value } }

    /// Changes the value and resumes the waiters whose condition now holds.
    public func update(_ change: (inout Value) -> Void) {
        let woken = state.withLock { state in
            change(&state.value)
            let value = state.value
            let ids = state.waiters.filter { $0.value.condition(value) }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Awaits `condition` on the value; false if it does not hold within
    /// `timeout` (or the task is cancelled first).
    public func wait(until condition: @escaping @Sendable (Value) -> Bool, timeout: Duration) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let timer = Task {
            // A timeout, cancelled once the condition holds.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.resume(id, with: false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer = state.withLock { state -> Bool? in
                    if condition(state.value) { return true }
                    if state.expired.remove(id) != nil { return false }
                    state.waiters[id] = (condition, continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            self.resume(id, with: false)
        }
    }

    /// Resumes waiter `id` if it still waits (the timer and an update may race).
    private func resume(_ id: Int, with value: Bool) {
        let waiter = state.withLock { state in
            let waiter = state.waiters.removeValue(forKey: id)
            if waiter == nil { state.expired.insert(id) }
            return waiter
        }
        waiter?.continuation.resume(returning: value)
    }
}
