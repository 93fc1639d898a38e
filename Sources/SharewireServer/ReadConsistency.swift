import NIOCore
import SharewireRPC
import SharingDomain

/// "At least revision R" reads (`min_revision`).
///
/// A read that asks for a revision the latest snapshot already has is served
/// from it at once: one lock and one retain, no await. Otherwise it waits for
/// the writer to publish R, bounded by the call's deadline and by
/// ``maxWait``, and fails with `DEADLINE_EXCEEDED` (`REVISION_NOT_REACHED`).
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
    public func snapshot(atLeast minRevision: UInt64, context: ServerContext) async throws(RPCError) -> SharingSnapshots.Snapshot {
        if let ready = ready(minRevision) { return ready }
        return try await wait(for: minRevision, context: context)
    }

    /// Waits for `minRevision` until the call's deadline or ``maxWait``.
    public func wait(for minRevision: UInt64, context: ServerContext) async throws(RPCError) -> SharingSnapshots.Snapshot {
        var timeout = maxWait
        if let deadline = context.deadline {
            let left = Duration.nanoseconds((deadline - NIODeadline.now()).nanoseconds)
            timeout = min(timeout, max(left, .zero))
        }
        do {
            return try await snapshots.snapshot(atLeast: minRevision, timeout: timeout)
        } catch {
            throw errors.status(for: error)
        }
    }
}
