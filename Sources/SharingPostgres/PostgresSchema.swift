import Logging
import PostgresNIO
import SharingDomain
import SharingSQL

/// The PostgreSQL schema: the shared tables (``SharingSQL/SharingSchema``) as
/// numbered migrations recorded in `schema_migrations (version, name,
/// applied_at)`. Append new migrations; never edit a shipped one.
///
/// SQL features used (for judging CockroachDB/YugabyteDB compatibility):
/// `BIGINT`, `TEXT`, `BYTEA`, `BOOLEAN` columns; primary, unique and foreign
/// keys with `ON DELETE CASCADE`; `CHECK`; `CREATE TABLE/INDEX IF NOT EXISTS`;
/// `INSERT … ON CONFLICT … DO UPDATE [WHERE …]`; transactional DDL (each
/// migration and its `schema_migrations` row commit together; where DDL is
/// not transactional a failed migration must be repaired by hand);
/// `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY` for a
/// consistent load; `SHOW fsync`; `SELECT … FOR UPDATE` on one row (the
/// writers' total order); `NOTIFY`/`LISTEN` as a wake-up only (polling
/// covers its absence). No sequences, triggers, stored functions, advisory
/// locks or extensions.
public enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
    }

    /// The newest schema version this binary knows.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "sharing tables", statements: SharingSchema.v1(.postgres)),
        Migration(version: 2, name: "cluster change log", statements: SharingSchema.clusterChangeLog(.postgres)),
        Migration(
            version: 3, name: SharingSchema.consumerCursorsName,
            statements: SharingSchema.consumerCursors(.postgres)),
        Migration(version: 4, name: SharingSchema.shareExpiryName, statements: SharingSchema.shareExpiry(.postgres)),
        Migration(version: 5, name: SharingSchema.namedAPIKeysName, statements: SharingSchema.namedAPIKeys(.postgres)),
        Migration(
            version: 6, name: SharingSchema.accessChangesName, statements: SharingSchema.accessChanges(.postgres)),
        Migration(
            version: 7, name: SharingSchema.shareInvitationsName,
            statements: SharingSchema.shareInvitations(.postgres)),
    ]

    static let createVersionTable = SQLStatement(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
        )
        """)

    /// The highest applied version, 0 when none (or no table yet).
    static func version(_ c: PostgresConnection, logger: Logger) async throws -> Int {
        let exists = try await c.fetch(
            SQLStatement(
                """
                SELECT COUNT(*) FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_name = 'schema_migrations'
                """), logger: logger
        ) { try $0.int(0) }
        guard exists.first ?? 0 > 0 else { return 0 }
        let max = try await c.fetch(
            SQLStatement("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"),
            logger: logger
        ) { try $0.int(0) }
        return Int(max.first ?? 0)
    }

    /// The advisory lock every migration transaction takes first, so that
    /// processes opening one database at once apply each version one after
    /// the other instead of colliding on its tables (an arbitrary constant:
    /// "sharewir" in ASCII).
    static let migrationLock: Int64 = 0x7368_6172_6577_6972

    /// Refuses a newer schema, then applies each missing migration in its own
    /// transaction together with its `schema_migrations` row. Each transaction
    /// first takes ``migrationLock`` and reads the version again, so a version
    /// another process applied meanwhile is skipped, not applied twice.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withConnection { c in
            let current = try await version(c, logger: logger)
            guard current <= latestVersion else {
                throw SchemaNewerThanBinaryError(databaseVersion: "\(current)", binaryVersion: "\(latestVersion)")
            }
            var applied: [Int] = []
            for m in migrations where m.version > current {
                let didApply = try await c.withTransaction(logger: logger) { c in
                    try await c.execute(
                        SQLStatement("SELECT pg_advisory_xact_lock(?)", [.int(migrationLock)]), logger: logger)
                    guard try await version(c, logger: logger) < m.version else { return false }
                    try await c.execute(createVersionTable, logger: logger)
                    for sql in m.statements { try await c.execute(SQLStatement(sql), logger: logger) }
                    try await c.execute(
                        SQLStatement(
                            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                            [.int(Int64(m.version)), .text(m.name)]), logger: logger)
                    return true
                }
                guard didApply else { continue }
                applied.append(m.version)
                logger.info("schema migrated", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
            }
            return applied
        }
    }
}
