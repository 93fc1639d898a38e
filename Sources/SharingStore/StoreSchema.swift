import GRDB
import SharingDomain
import SharingSQL

/// The schema (``SharingSQL/SharingSchema``) as GRDB migrations (applied ones
/// are rows of GRDB's `grdb_migrations` table). Append new migrations; never
/// edit a shipped one.
/// Each identifier starts with its schema version, `vN: `: a file holding a
/// migration this binary does not know is refused (``StoreOpenError/newerSchema(directory:version:knownUpTo:unknown:)``).
enum StoreSchema {
    /// The schema version of a migration identifier (`"v1: sharing tables"` → 1).
    static func version(of identifier: String) -> Int? {
        guard identifier.first == "v", let colon = identifier.firstIndex(of: ":") else { return nil }
        return Int(identifier[identifier.index(after: identifier.startIndex)..<colon])
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: sharing tables") { db in
            for statement in SharingSchema.v1(.sqlite) { try db.execute(sql: statement) }
        }
        // Needs only v1: renumber freely when merged with other migrations.
        m.registerMigration("v3: \(SharingSchema.consumerCursorsName)") { db in
            for statement in SharingSchema.consumerCursors(.sqlite) { try db.execute(sql: statement) }
        }
        // Needs only v1.
        m.registerMigration("v4: \(SharingSchema.shareExpiryName)") { db in
            for statement in SharingSchema.shareExpiry(.sqlite) { try db.execute(sql: statement) }
        }
        // Needs only v1.
        m.registerMigration("v5: \(SharingSchema.namedAPIKeysName)") { db in
            for statement in SharingSchema.namedAPIKeys(.sqlite) { try db.execute(sql: statement) }
        }
        // Needs only v1: renumber freely when merged with other migrations.
        m.registerMigration("v6: \(SharingSchema.accessChangesName)") { db in
            for statement in SharingSchema.accessChanges(.sqlite) { try db.execute(sql: statement) }
        }
        // Needs only v1.
        m.registerMigration("v7: \(SharingSchema.shareInvitationsName)") { db in
            for statement in SharingSchema.shareInvitations(.sqlite) { try db.execute(sql: statement) }
        }
        // Needs only v1. SQLite only: PostgreSQL keeps the member tables.
        m.registerMigration("v8: \(SharingSchema.inlineEventMembersName)") { db in
            for statement in SharingSchema.inlineEventMembers { try db.execute(sql: statement) }
            try backfillInlineMembers(db)
            for statement in SharingSchema.inlineEventMembersCleanup { try db.execute(sql: statement) }
        }
        return m
    }
}

/// Fills `events.devices` and `events.users` from the member tables, event
/// by event (rows come in event, kind and position order).
private func backfillInlineMembers(_ db: Database) throws {
    var event: Int64?
    var devices: [UInt64] = []
    var users: [UInt64] = []
    func flush() throws {
        guard let id = event else { return }
        try db.execute(
            SharingSQL.setInlineMembers(
                event: id, devices: SharingSQL.inlineList(devices), users: SharingSQL.inlineList(users)))
        devices.removeAll(keepingCapacity: true)
        users.removeAll(keepingCapacity: true)
    }
    let rows = try Row.fetchCursor(db, sql: SharingSchema.inlineEventMembersBackfill)
    while let row = try rows.next() {
        let id: Int64 = row[0]
        if id != event { try flush() }
        event = id
        let member = UInt64(bitPattern: row[2] as Int64)
        if (row[1] as Int64) == 0 { devices.append(member) } else { users.append(member) }
    }
    try flush()
}

// The server holds the store through the shared protocol.
extension SharingStore: SharingStorage {}
