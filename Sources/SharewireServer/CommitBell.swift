import Synchronization

/// Rung after every commit that queued notifications; WatchNotifications
/// streams wait on it instead of polling the store.
///
/// A waiter names the generation it has seen and returns as soon as the bell
/// has rung past it, on timeout, or on cancellation — whichever comes first,
/// exactly once. Missing a ring is impossible: a ring between reading the
/// generation and waiting bumps the generation, so the wait returns at once.
public final class CommitBell: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// How many times the bell has rung.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiter.
    public func ring() {
        let woken = state.withLock { s -> [Waiter] in
            s.generation &+= 1
            defer { s.waiters.removeAll(keepingCapacity: true) }
            return Array(s.waiters.values)
        }
        for waiter in woken {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }

    /// Returns once the bell has rung past `seen`, after `timeout`, or when the
    /// task is cancelled.
    public func wait(past seen: UInt64, timeout: Duration) async {
        let id = state.withLock { s in
            s.nextWaiter &+= 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { s -> Bool in
                    guard s.generation == seen else { return false }
                    s.waiters[id] = Waiter(continuation: continuation)
                    return true
                }
                guard parked else { return continuation.resume() }
                if Task.isCancelled { return wake(id) }
                let timer = Task { [weak self] in
                    do { try await Task.sleep(for: timeout) } catch { return }
                    self?.wake(id)
                }
                let stillParked = state.withLock { s -> Bool in
                    guard s.waiters[id] != nil else { return false }
                    s.waiters[id]!.timer = timer
                    return true
                }
                if !stillParked { timer.cancel() }
            }
        } onCancel: {
            wake(id)
        }
    }

    /// Resumes one waiter if it is still parked: ring, timeout and cancel each
    /// remove it under the lock first, so it is resumed exactly once.
    private func wake(_ id: UInt64) {
        guard let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume()
    }

    /// Waiters parked right now (tests).
    public var waiting: Int { state.withLock { $0.waiters.count } }
}
