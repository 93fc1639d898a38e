import Synchronization

/// A background task a component owns: stored once it is started, and
/// cancelled and awaited by ``stop()`` (which is safe to call twice).
final class OwnedTask: Sendable {
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Takes ownership of `task`.
    func own(_ task: Task<Void, Never>) { self.task.withLock { $0 = task } }

    /// Cancels the task and returns once it has ended.
    func stop() async {
        let running = task.withLock { t in
            defer { t = nil }
            return t
        }
        running?.cancel()
        await running?.value
    }
}
