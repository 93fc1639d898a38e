import GRDB
import SharingDomain
import SharingSQL

/// The schema (``SharingSQL/SharingSchema``) as GRDB migrations. Append new migrations; never edit a shipped one.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: sharing tables") { db in
            for statement in SharingSchema.v1(.sqlite) { try db.execute(sql: statement) }
        }
        return m
    }
}

extension StoreSchema {
    /// Throws ``SchemaNewerThanBinaryError`` when the file records a migration
    /// this binary does not know (a later release migrated it). Run before
    /// migrating.
    static func refuseNewer(_ pool: DatabasePool) throws {
        let m = migrator
        let unknown = try pool.read { db in
            try m.appliedIdentifiers(db).subtracting(m.migrations).sorted()
        }
        guard unknown.isEmpty else {
            throw SchemaNewerThanBinaryError(databaseVersion: unknown.joined(separator: ", "),
                                             binaryVersion: m.migrations.last ?? "none")
        }
    }
}

// The server holds the store through the shared protocol.
extension SharingStore: SharingStorage {}
