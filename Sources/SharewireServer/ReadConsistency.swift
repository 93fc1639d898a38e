import NIOCore
import SharewireRPC
import SharingDomain

/// "At least revision R" reads (`min_revision`).
///
/// A read that asks for a revision the latest snapshot already has is served
/// from it at once: one lock and one retain, no await. Otherwise it waits for
/// the writer to publish R, at most ``maxWait`` and at most until
/// ``deadlineMargin(remaining:)`` before the call's deadline, then fails with
/// `DEADLINE_EXCEEDED` (`REVISION_NOT_REACHED`, subject R, field
/// `min_revision`; docs/SERVER.md §5).
///
/// Why the margin: were the wait to end *at* the deadline, three timers would
/// expire together: this wait's, the transport's deadline timer and the
/// client's local deadline (armed when it sent the call, so even earlier).
/// The typed answer has the longest way to go (a timer task, then the
/// handler's task on the event loop, then the network), so a client with a
/// local deadline would rarely see it. The server's own answer does not
/// depend on the margin: the wait registers its REVISION_NOT_REACHED with
/// ``ServerContext/explainDeadline(_:)``, so when the transport's deadline
/// timer fires first it answers with that at once.
public struct ReadConsistency: Sendable {
    public let snapshots: SharingSnapshots
    /// Longest a read waits for a revision even when its deadline is later.
    public let maxWait: Duration
    let errors: ErrorMapper

    public init(snapshots: SharingSnapshots, maxWait: Duration, errors: ErrorMapper) {
        self.snapshots = snapshots
        self.maxWait = maxWait
        self.errors = errors
    }

    /// The latest snapshot if it has `minRevision`, else `nil`: the caller
    /// then awaits ``wait(for:context:)``. Synchronous, for the hot path.
    @inlinable
    public func ready(_ minRevision: UInt64) -> SharingSnapshots.Snapshot? {
        let latest = snapshots.latest()
        return latest.revision >= minRevision ? latest : nil
    }

    /// A snapshot with at least `minRevision`, waiting if needed.
    public func snapshot(atLeast minRevision: UInt64, context: ServerContext) async throws(RPCError)
        -> SharingSnapshots.Snapshot
    {
        if let ready = ready(minRevision) { return ready }
        return try await wait(for: minRevision, context: context)
    }

    /// How long before the call's deadline a revision wait gives up, so that
    /// its `REVISION_NOT_REACHED` reaches the client before either deadline
    /// timer fires: a quarter of the time left, at most 100 ms (50 ms of a
    /// 200 ms call; 100 ms of any call of 400 ms or more).
    public static func deadlineMargin(remaining: Duration) -> Duration {
        min(remaining / 4, .milliseconds(100))
    }

    /// How long a read may wait for a revision when `remaining` is left
    /// before the call's deadline (`nil`: no deadline).
    public func waitLimit(remaining: Duration?) -> Duration {
        guard let remaining else { return maxWait }
        let left = max(remaining, .zero)
        return min(maxWait, left - Self.deadlineMargin(remaining: left))
    }

    /// Waits for `minRevision`, at most ``waitLimit(remaining:)``.
    public func wait(for minRevision: UInt64, context: ServerContext) async throws(RPCError)
        -> SharingSnapshots.Snapshot
    {
        let remaining = context.deadline.map { Duration.nanoseconds(($0 - NIODeadline.now()).nanoseconds) }
        let timeout = waitLimit(remaining: remaining)
        let notReached = errors.status(
            for: SharingError(
                .revisionNotReached, subject: String(minRevision),
                field: .atLeastRevision,
                message: "revision not reached by the call's deadline"))
        // Should the transport's deadline fire before this wait's own timer
        // (a loaded machine), it answers with this at once.
        context.explainDeadline(notReached)
        defer { context.explainDeadline(nil) }
        do {
            return try await snapshots.snapshot(atLeast: minRevision, timeout: timeout)
        } catch  where error.reason == .cancelled && context.deadline.map({ NIODeadline.now() >= $0 }) == true {
            // Cancelled at the deadline: say why it ran out of time.
            throw notReached
        } catch {
            throw errors.status(for: error)
        }
    }
}
