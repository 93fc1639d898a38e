import Synchronization

/// Why a running call would miss its deadline, set by its handler while it
/// waits for something it can name (a revision not yet reached).
///
/// The transport reads it when the call's deadline timer fires and, when
/// set, answers at once with it instead of the generic `deadline exceeded
/// on the server`. This makes the typed answer deterministic: it does not
/// depend on whether the handler's own timer or the transport's fires
/// first, nor on how long a loaded machine takes to resume the handler.
final class DeadlineExplanation: Sendable {
    private let error: Mutex<RPCError?> = Mutex(nil)

    init() {}

    func set(_ value: RPCError?) {
        error.withLock { $0 = value }
    }

    var current: RPCError? {
        error.withLock { $0 }
    }
}
