import GRDB
import SharingDomain
import SharingSQL

extension SharingStore {
    /// Events concerning `query.caller` (it is among the event's users), filtered,
    /// in id order, at most `pageSize + 1` (``SharingSQL/inlineEvents(_:)``).
    public func events(_ query: EventQuery) async throws -> [Event] {
        try await pool.read { db in
            var assembler = SharingSQL.EventAssembler()
            let rows = try db.rows(SharingSQL.inlineEvents(query))
            while let row = try rows.next() { try assembler.addInlineEvent(row) }
            return assembler.events
        }
    }

    /// Outbox entries after `sequence`, in order.
    public func notifications(after sequence: UInt64, limit: Int) async throws -> [OutboxNotification] {
        try await pool.read { db in
            var out: [OutboxNotification] = []
            let rows = try db.rows(SharingSQL.notifications(after: sequence, limit: limit))
            while let row = try rows.next() { out.append(try SharingSQL.notification(row)) }
            return out
        }
    }

    /// Moves one consumer's cursor forward (never back).
    public func acknowledgeNotifications(through sequence: UInt64, consumer: NotificationConsumer) async throws {
        try await pool.write { db in try db.execute(SharingSQL.acknowledge(through: sequence, consumer: consumer)) }
    }

    /// Access changes after `cursor`, and the pruned mark, in one read transaction.
    public func accessChanges(
        after cursor: AccessChangeCursor, through: UInt64, visibleTo account: AccountID?,
        limit: Int
    ) async throws -> AccessChangePage {
        try await pool.read { db in
            var changes: [AccessChangeRecord] = []
            let rows = try db.rows(
                SharingSQL.accessChanges(
                    after: cursor, through: through, visibleTo: account,
                    limit: limit))
            while let row = try rows.next() { changes.append(try SharingSQL.accessChange(row)) }
            let mark = try db.rows(SharingSQL.accessChangesPrunedThrough)
            return AccessChangePage(changes: changes, prunedThrough: UInt64(bitPattern: try mark.next()?.int(0) ?? 0))
        }
    }

    /// Deletes the access changes before the latest `revisions` revisions.
    public func pruneAccessChanges(retaining revisions: UInt64) async throws {
        try await pool.write { db in
            let rows = try db.rows(SharingSQL.revision)
            let latest = UInt64(bitPattern: try rows.next()?.int(0) ?? 0)
            guard let through = SharingSQL.accessChangesPruneTarget(latest: latest, retaining: revisions) else {
                return
            }
            for statement in SharingSQL.pruneAccessChanges(through: through) { try db.execute(statement) }
        }
    }

    /// One consumer's cursor; 0 when it acknowledged nothing yet.
    public func acknowledgedNotificationSequence(consumer: NotificationConsumer) async throws -> UInt64 {
        try await pool.read { db in
            let rows = try db.rows(SharingSQL.acknowledged(consumer: consumer))
            return UInt64(bitPattern: try rows.next()?.int(0) ?? 0)
        }
    }
}

extension SharingStore: APIKeyUsageLog {
    public func recordAPIKeyUsage(_ usage: [APIKeyID: Timestamp]) async throws {
        guard !usage.isEmpty else { return }
        try await pool.write { db in
            for (id, at) in usage { try db.execute(SharingSQL.recordAPIKeyUse(id, at: at)) }
        }
    }

    public func apiKeyUsage(account: AccountID) async throws -> [APIKeyID: Timestamp] {
        try await pool.read { db in
            var out: [APIKeyID: Timestamp] = [:]
            let rows = try db.rows(SharingSQL.apiKeyUsage(account: account))
            while let row = try rows.next() {
                let (id, at) = try SharingSQL.apiKeyUse(row)
                out[id] = at
            }
            return out
        }
    }
}
