import Synchronization

/// The highest revision a client has seen in any response, for
/// read-your-writes (docs/CLIENT.md §Consistency). Thread-safe and lock-free.
final class RevisionTracker: Sendable {
    private let highest = Atomic<UInt64>(0)

    init(_ initial: UInt64 = 0) {
        highest.store(initial, ordering: .relaxed)
    }

    /// The highest revision observed so far (0 before any).
    var current: UInt64 { highest.load(ordering: .acquiring) }

    /// Raises the tracked revision to `revision` if it is higher; never lowers it.
    func observe(_ revision: UInt64) {
        highest.max(revision, ordering: .acquiringAndReleasing)
    }
}
