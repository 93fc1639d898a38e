import Logging
import PostgresNIO
import SharingDomain
import SharingSQL

/// The PostgreSQL schema, as numbered migrations recorded in
/// `schema_migrations (version, name, applied_at)`. Append new migrations;
/// never edit a shipped one. Table and column names match the SQLite schema
/// (the statements in `SharingSQL` run on both).
///
/// SQL features used (for judging CockroachDB/YugabyteDB compatibility):
/// `BIGINT`, `TEXT`, `BYTEA`, `BOOLEAN` columns; primary, unique and foreign
/// keys with `ON DELETE CASCADE`; `CHECK`; `CREATE TABLE/INDEX IF NOT EXISTS`;
/// `INSERT … ON CONFLICT … DO UPDATE [WHERE …]`; transactional DDL (each
/// migration and its `schema_migrations` row commit together; where DDL is
/// not transactional a failed migration must be repaired by hand);
/// `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY` for a
/// consistent load; `SHOW fsync`. No sequences, triggers, stored functions,
/// advisory locks, `LISTEN/NOTIFY` or extensions.
public enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
    }

    /// The newest schema version this binary knows.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "sharing tables", statements: [
            """
            CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE accounts (
                id BIGINT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                language TEXT NOT NULL,
                api_key_hash BYTEA NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE contacts (
                id BIGINT PRIMARY KEY,
                owner_id BIGINT NOT NULL REFERENCES accounts(id),
                email TEXT NOT NULL,
                first_name TEXT,
                last_name TEXT,
                company TEXT,
                language TEXT NOT NULL,
                invited_at BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (owner_id, email)
            )
            """,
            """
            CREATE TABLE devices (
                id BIGINT PRIMARY KEY,
                owner_id BIGINT NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX devices_by_owner ON devices(owner_id)",
            """
            CREATE TABLE services (
                id BIGINT PRIMARY KEY,
                device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                port BIGINT NOT NULL CHECK (port BETWEEN 1 AND 65535),
                protocol TEXT NOT NULL
            )
            """,
            "CREATE INDEX services_by_device ON services(device_id)",
            """
            CREATE TABLE shares (
                device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                account_id BIGINT NOT NULL REFERENCES accounts(id),
                mode TEXT NOT NULL CHECK (mode IN ('ALL', 'PORTS')),
                scripting BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (device_id, account_id)
            )
            """,
            "CREATE INDEX shares_by_account ON shares(account_id)",
            """
            CREATE TABLE share_ports (
                device_id BIGINT NOT NULL,
                account_id BIGINT NOT NULL,
                service_id BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                PRIMARY KEY (device_id, account_id, service_id),
                FOREIGN KEY (device_id, account_id) REFERENCES shares(device_id, account_id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX share_ports_by_service ON share_ports(service_id)",
            // Audit events outlive the rows they mention: no foreign keys to them.
            """
            CREATE TABLE events (
                id BIGINT PRIMARY KEY,
                revision BIGINT NOT NULL,
                at BIGINT NOT NULL,
                actor_id BIGINT NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE event_devices (
                device_id BIGINT NOT NULL,
                event_id BIGINT NOT NULL REFERENCES events(id),
                pos BIGINT NOT NULL,
                PRIMARY KEY (device_id, event_id)
            )
            """,
            "CREATE INDEX event_devices_by_event ON event_devices(event_id)",
            """
            CREATE TABLE event_users (
                account_id BIGINT NOT NULL,
                event_id BIGINT NOT NULL REFERENCES events(id),
                pos BIGINT NOT NULL,
                PRIMARY KEY (account_id, event_id)
            )
            """,
            "CREATE INDEX event_users_by_event ON event_users(event_id)",
            // The outbox. seq increases strictly; consumers resume after the
            // acknowledged cursor kept in meta ('notifications_acked').
            """
            CREATE TABLE notifications (
                seq BIGINT PRIMARY KEY,
                revision BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                recipient_email TEXT NOT NULL,
                recipient_id BIGINT,
                language TEXT NOT NULL,
                template TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL
            )
            """,
        ]),
    ]

    static let createVersionTable = SQLStatement("""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
        )
        """)

    /// The highest applied version, 0 when none (or no table yet).
    static func version(_ c: PostgresConnection, logger: Logger) async throws -> Int {
        let exists = try await c.fetch(SQLStatement("""
            SELECT COUNT(*) FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_name = 'schema_migrations'
            """), logger: logger) { try $0.int(0) }
        guard exists.first ?? 0 > 0 else { return 0 }
        let max = try await c.fetch(SQLStatement("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"),
                                    logger: logger) { try $0.int(0) }
        return Int(max.first ?? 0)
    }

    /// Refuses a newer schema, then applies each missing migration in its own
    /// transaction together with its `schema_migrations` row.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withConnection { c in
            let current = try await version(c, logger: logger)
            guard current <= latestVersion else {
                throw SchemaNewerThanBinaryError(databaseVersion: "\(current)", binaryVersion: "\(latestVersion)")
            }
            var applied: [Int] = []
            for m in migrations where m.version > current {
                try await c.withTransaction(logger: logger) { c in
                    try await c.execute(createVersionTable, logger: logger)
                    for sql in m.statements { try await c.execute(SQLStatement(sql), logger: logger) }
                    try await c.execute(SQLStatement("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                                                     [.int(Int64(m.version)), .text(m.name)]), logger: logger)
                }
                applied.append(m.version)
                logger.info("schema migrated", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
            }
            return applied
        }
    }
}
