import GRDB
import SharingDomain
import SharingSQL

extension SharingStore {
    /// Writes a whole batch (``SharingSQL/statements(for:events:)``) in one
    /// transaction through cached prepared statements. Returns after COMMIT,
    /// which with `synchronous=FULL` in WAL mode means after the WAL is fsynced.
    /// Events go inline (``EventLayout/inline``, schema version 8); the
    /// commit that finds more than ``SharingSQL/eventUsersIndexLag`` events
    /// after the `event_users` mark also indexes them, in the same transaction.
    public func commit(_ batch: CommitBatch) async throws {
        let statements = SharingSQL.statements(for: batch, events: .inline)
        try await pool.write { db in
            for statement in statements { try db.execute(statement) }
            if !batch.changes.events.isEmpty { try Self.indexEventUsersIfBehind(db, lastEvent: batch.counters.event) }
        }
    }

    /// Fills `event_users` for the events after its mark once they are
    /// more than ``SharingSQL/eventUsersIndexLag``.
    static func indexEventUsersIfBehind(_ db: Database, lastEvent: UInt64) throws {
        let mark = SharingSQL.eventUsersThrough
        let through = UInt64(
            bitPattern: try Int64.fetchOne(db.cachedStatement(sql: mark.sql), arguments: mark.arguments.gRDBArguments)
                ?? 0)
        guard lastEvent > through, lastEvent - through > SharingSQL.eventUsersIndexLag else { return }
        var events: [(id: Int64, users: String)] = []
        let rows = try db.rows(SharingSQL.eventUsersToIndex(after: through))
        while let row = try rows.next() { events.append((try row.int(0), try row.text(1))) }
        guard let last = events.last else { return }
        for statement in try SharingSQL.indexEventUsers(events, through: UInt64(bitPattern: last.id)) {
            try db.execute(statement)
        }
    }
}
