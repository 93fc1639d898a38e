import SharewireMessages
import SharewireRPC
import SharingDomain

/// `EventService/WatchAccessChanges`: the access-change feed for services
/// that hold live sessions (docs/SERVER.md "Access-change feed").
///
/// Reads the access-change log the writes commit with their batches, after a
/// revision cursor, up to the latest published snapshot, so everything it
/// sends is also what a read at that revision shows. It follows new commits
/// by waiting for the next snapshot (its own writes and, in a cluster, those
/// the change feed applies), and reads the store only when the revision has
/// moved.
extension EventService {
    func watchAccessChanges(
        request: WatchAccessChangesRequest,
        response writer: ServerStreamWriter<WatchAccessChangesResponse>,
        caller: AuthenticatedRead, context: ServerContext
    ) async throws {
        let viewer: AccountID?
        switch caller.principal {
        case .service: viewer = nil
        case let .account(caller): viewer = caller.account
        }
        var latest = env.snapshots.latest().revision
        let after = request.fromLatest ? latest : request.afterRevision
        if after > latest {
            // A cursor from another instance of a cluster may be a little ahead of this one.
            latest = (try? await env.snapshots.snapshot(atLeast: after, timeout: Self.aheadWait))?.revision ?? latest
            guard after <= latest else { throw Self.unknownCursor(after, latest: latest) }
        }
        let batchSize = max(1, env.configuration.accessChangeBatchSize)
        var cursor = AccessChangeCursor.caughtUp(through: after)
        var sentThrough: UInt64?
        let clock = ContinuousClock()
        var lastSent = clock.now
        // Ends by CANCEL, deadline or connection loss, or when the server shuts down.
        while !Task.isCancelled, !stopping.isStopping {
            let through = env.snapshots.latest().revision
            if cursor < .caughtUp(through: through) {
                let page = try await env.storage("reading the access-change log") {
                    try await env.log.accessChanges(
                        after: cursor, through: through, visibleTo: viewer, limit: batchSize)
                }
                // Checked on every read: pruning may overtake a stream that fell behind.
                if page.prunedThrough > cursor.revision {
                    throw Self.expiredCursor(cursor.revision, prunedThrough: page.prunedThrough)
                }
                let full = page.changes.count == batchSize
                let complete = full ? page.changes.last!.revision - 1 : through
                cursor =
                    full
                    ? AccessChangeCursor(
                        revision: page.changes.last!.revision,
                        position: page.changes.last!.position) : .caughtUp(through: through)
                // Progress without changes: the first time (the caller learns where it is), then
                // at most every progressInterval, so an idle watcher's cursor stays in the window.
                let progressDue =
                    sentThrough == nil
                    || (complete > sentThrough!
                        && clock.now - lastSent >= env.configuration.accessChangeProgressInterval)
                if !page.changes.isEmpty || progressDue {
                    let snapshot = env.snapshots.latest()
                    try await writer.send(
                        WatchAccessChangesResponse(
                            changes: page.changes.map {
                                AccessChange($0, on: snapshot.state.unauthorizedDevice($0.device))
                            },
                            throughRevision: complete))
                    sentThrough = complete
                    lastSent = clock.now
                }
                if full { continue }
            } else if sentThrough == nil {
                try await writer.send(WatchAccessChangesResponse(throughRevision: after))
                sentThrough = after
                lastSent = clock.now
            }
            // Wakes at the next published revision; the timeout bounds how long a
            // shutdown waits for this stream.
            _ = try? await env.snapshots.snapshot(
                atLeast: through + 1, timeout: env.configuration.accessChangePollInterval)
        }
    }

    /// How long a cursor ahead of this instance waits for its revision (a
    /// cluster instance a little behind another) before it is unknown.
    static let aheadWait: Duration = .seconds(1)

    static func unknownCursor(_ after: UInt64, latest: UInt64) -> RPCError {
        RPCError(
            .outOfRange,
            "revision \(after) has not been written (the latest is \(latest)); watch from a revision this server returned",
            details: [StatusDetail(reason: "ACCESS_CURSOR_UNKNOWN", subject: String(after), field: "after_revision")])
    }

    static func expiredCursor(_ after: UInt64, prunedThrough: UInt64) -> RPCError {
        RPCError(
            .failedPrecondition,
            "the access-change log no longer holds the changes after revision \(after) (kept: after \(prunedThrough)); "
                + "re-read the state (devices and shares) and watch again from the revision that read returns",
            details: [
                StatusDetail(
                    reason: "ACCESS_CURSOR_EXPIRED", subject: String(after), field: "after_revision",
                    metadata: [MetadataEntry(key: "pruned_through", value: String(prunedThrough))])
            ])
    }
}

extension AccessChange {
    /// A recorded change; the ports of a shared grant are those `device` still has.
    init(_ c: AccessChangeRecord, on device: Device?) {
        var level = AccessLevel.none
        var access = Access()
        var expires: Int64 = 0
        switch c.grant {
        case .none: level = .none
        case .owner: level = .owner
        case let .shared(grant, expiresAt):
            level = .shared
            access = Access(grant, on: device)
            expires = expiresAt?.millisecondsSinceEpoch ?? 0
        }
        self.init(
            revision: c.revision, atMs: c.at.millisecondsSinceEpoch, deviceID: c.device.external,
            userID: c.user.external, ownerID: c.owner.external, kind: AccessChangeKind(c.kind), level: level,
            access: access, expiresAtMs: expires, position: UInt32(clamping: c.position))
    }
}

extension AccessChangeKind {
    init(_ cause: AccessChangeCause) {
        switch cause {
        case .shareCreated: self = .shareCreated
        case .shareUpdated: self = .shareUpdated
        case .shareRemoved: self = .shareRemoved
        case .shareLeft: self = .shareLeft
        case .shareExpired: self = .shareExpired
        case .deviceTransferred: self = .deviceTransferred
        case .serviceRemoved: self = .serviceRemoved
        case .deviceDeleted: self = .deviceDeleted
        case .accountDeleted: self = .accountDeleted
        }
    }
}
