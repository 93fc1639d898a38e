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
        return m
    }
}

// The server holds the store through the shared protocol.
extension SharingStore: SharingStorage {}
