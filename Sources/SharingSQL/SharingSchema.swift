/// The engines the shared SQL is written for; only column types and table
/// options differ in the schema.
public enum SQLDialect: Sendable {
    case sqlite, postgres

    /// 64-bit integers. In SQLite `INTEGER PRIMARY KEY` is the rowid.
    var integer: String { self == .sqlite ? "INTEGER" : "BIGINT" }
    var bytes: String { self == .sqlite ? "BLOB" : "BYTEA" }
    var boolean: String { self == .sqlite ? "INTEGER" : "BOOLEAN" }
    /// SQLite keeps tables with a composite key clustered on it.
    var clustered: String { self == .sqlite ? " WITHOUT ROWID" : "" }
}

/// The tables, written once for both stores. Each store records versions its
/// own way (GRDB's migrator, `schema_migrations`). Append new versions; never
/// edit a shipped one.
public enum SharingSchema {
    /// Version 1: the sharing tables, one statement per element.
    public static func v1(_ d: SQLDialect) -> [String] {
        let int = d.integer
        return [
            """
            CREATE TABLE meta (
                key TEXT PRIMARY KEY NOT NULL,
                value \(int) NOT NULL
            )\(d.clustered)
            """,
            """
            CREATE TABLE accounts (
                id \(int) PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                language TEXT NOT NULL,
                api_key_hash \(d.bytes) NOT NULL UNIQUE,
                created_at \(int) NOT NULL
            )
            """,
            """
            CREATE TABLE contacts (
                id \(int) PRIMARY KEY,
                owner_id \(int) NOT NULL REFERENCES accounts(id),
                email TEXT NOT NULL,
                first_name TEXT,
                last_name TEXT,
                company TEXT,
                language TEXT NOT NULL,
                invited_at \(int),
                created_at \(int) NOT NULL,
                updated_at \(int) NOT NULL,
                UNIQUE (owner_id, email)
            )
            """,
            """
            CREATE TABLE devices (
                id \(int) PRIMARY KEY,
                owner_id \(int) NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                created_at \(int) NOT NULL,
                updated_at \(int) NOT NULL
            )
            """,
            "CREATE INDEX devices_by_owner ON devices(owner_id)",
            """
            CREATE TABLE services (
                id \(int) PRIMARY KEY,
                device_id \(int) NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                port \(int) NOT NULL CHECK (port BETWEEN 1 AND 65535),
                protocol TEXT NOT NULL
            )
            """,
            "CREATE INDEX services_by_device ON services(device_id)",
            """
            CREATE TABLE shares (
                device_id \(int) NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                account_id \(int) NOT NULL REFERENCES accounts(id),
                mode TEXT NOT NULL CHECK (mode IN ('ALL', 'PORTS')),
                scripting \(d.boolean) NOT NULL,
                created_at \(int) NOT NULL,
                updated_at \(int) NOT NULL,
                PRIMARY KEY (device_id, account_id)
            )\(d.clustered)
            """,
            "CREATE INDEX shares_by_account ON shares(account_id)",
            """
            CREATE TABLE share_ports (
                device_id \(int) NOT NULL,
                account_id \(int) NOT NULL,
                service_id \(int) NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                PRIMARY KEY (device_id, account_id, service_id),
                FOREIGN KEY (device_id, account_id) REFERENCES shares(device_id, account_id) ON DELETE CASCADE
            )\(d.clustered)
            """,
            "CREATE INDEX share_ports_by_service ON share_ports(service_id)",
            // Audit events outlive the rows they mention: no foreign keys to them.
            """
            CREATE TABLE events (
                id \(int) PRIMARY KEY,
                revision \(int) NOT NULL,
                at \(int) NOT NULL,
                actor_id \(int) NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE event_devices (
                device_id \(int) NOT NULL,
                event_id \(int) NOT NULL REFERENCES events(id),
                pos \(int) NOT NULL,
                PRIMARY KEY (device_id, event_id)
            )\(d.clustered)
            """,
            "CREATE INDEX event_devices_by_event ON event_devices(event_id)",
            """
            CREATE TABLE event_users (
                account_id \(int) NOT NULL,
                event_id \(int) NOT NULL REFERENCES events(id),
                pos \(int) NOT NULL,
                PRIMARY KEY (account_id, event_id)
            )\(d.clustered)
            """,
            "CREATE INDEX event_users_by_event ON event_users(event_id)",
            // The outbox. seq increases strictly; consumers resume after their
            // acknowledged cursor (in version 1 one cursor in meta,
            // 'notifications_acked'; since the consumer-cursor migration one
            // row per consumer in notification_cursors).
            """
            CREATE TABLE notifications (
                seq \(int) PRIMARY KEY,
                revision \(int) NOT NULL,
                created_at \(int) NOT NULL,
                recipient_email TEXT NOT NULL,
                recipient_id \(int),
                language TEXT NOT NULL,
                template TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL
            )
            """,
        ]
    }

    /// The name of the named-consumer-cursor migration. It is version 3 in
    /// both stores (version 2 comes with another change); it depends only on
    /// version 1, so it can be renumbered when the two meet.
    public static let consumerCursorsName = "notification consumer cursors"

    /// Named consumer cursors for the outbox: one row per consumer replaces
    /// the single `meta` cursor, which becomes the consumer `default` (so a
    /// sender that names no consumer resumes where it was).
    public static func consumerCursors(_ d: SQLDialect) -> [String] {
        [
            """
            CREATE TABLE notification_cursors (
                consumer TEXT PRIMARY KEY NOT NULL,
                acked_seq \(d.integer) NOT NULL
            )\(d.clustered)
            """,
            """
            INSERT INTO notification_cursors (consumer, acked_seq)
            SELECT 'default', value FROM meta WHERE key = 'notifications_acked'
            """,
            "DELETE FROM meta WHERE key = 'notifications_acked'",
        ]
    }
}

extension SharingSchema {
    /// The name of the share-expiry migration: version 4 in both stores.
    public static let shareExpiryName = "share expiry"

    /// Time-limited shares: `shares.expires_at`, milliseconds since the epoch,
    /// NULL for a share without a time limit (every share before this version).
    /// Depends only on version 1.
    public static func shareExpiry(_ d: SQLDialect) -> [String] {
        ["ALTER TABLE shares ADD COLUMN expires_at \(d.integer)"]
    }

    /// The cluster change log (PostgreSQL only: a SQLite store has one
    /// writer). Self-contained so that it can be renumbered among the
    /// migrations: `PostgresSchema` lists it as one version.
    ///
    /// - `change_log`: one row per group-commit batch, keyed by the batch's
    ///   last revision; `body` is the JSON of a `ChangeLogEntry` (row images).
    ///   Rows are immutable; an instance replays those after its revision.
    /// - the `meta` row `revision` is created, so that every writer has a row
    ///   to lock (`SELECT … FOR UPDATE`) even before the first commit.
    public static func clusterChangeLog(_ d: SQLDialect) -> [String] {
        let int = d.integer
        return [
            """
            CREATE TABLE change_log (
                revision \(int) PRIMARY KEY,
                first_revision \(int) NOT NULL,
                body TEXT NOT NULL
            )
            """,
            "INSERT INTO meta (key, value) VALUES ('revision', 0) ON CONFLICT (key) DO NOTHING",
        ]
    }
}

extension SharingSchema {
    /// The name of the named-API-keys migration: version 5 in both stores.
    public static let namedAPIKeysName = "named api keys"

    /// Named API keys: `api_keys` holds every unrevoked key of every account;
    /// each account's key until now becomes its key `default`, with the
    /// account's id as its id (so `next_api_key` starts at the highest
    /// account id). `accounts.api_key_hash` is dropped. `last_used_at` is
    /// kept outside the revisioned state (written by each instance's usage
    /// flush, never by a commit). Depends only on version 1.
    ///
    /// SQLite cannot drop a UNIQUE column, so there the accounts table is
    /// rebuilt the documented way (new table, copy, drop, rename; GRDB runs
    /// migrations with foreign-key checks deferred to the end).
    public static func namedAPIKeys(_ d: SQLDialect) -> [String] {
        let int = d.integer
        let create = """
            CREATE TABLE api_keys (
                id \(int) PRIMARY KEY,
                account_id \(int) NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                key_hash \(d.bytes) NOT NULL UNIQUE,
                created_at \(int) NOT NULL,
                last_used_at \(int),
                UNIQUE (account_id, name)
            )
            """
        let copy = """
            INSERT INTO api_keys (id, account_id, name, key_hash, created_at)
            SELECT id, id, 'default', api_key_hash, created_at FROM accounts
            """
        let counter = "INSERT INTO meta (key, value) SELECT 'next_api_key', COALESCE(MAX(id), 0) FROM accounts"
        let drop: [String] =
            switch d {
            case .postgres:
                ["ALTER TABLE accounts DROP COLUMN api_key_hash"]
            case .sqlite:
                [
                    """
                    CREATE TABLE accounts_rebuilt (
                        id INTEGER PRIMARY KEY,
                        email TEXT NOT NULL UNIQUE,
                        language TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    )
                    """,
                    "INSERT INTO accounts_rebuilt (id, email, language, created_at) SELECT id, email, language, created_at FROM accounts",
                    "DROP TABLE accounts",
                    "ALTER TABLE accounts_rebuilt RENAME TO accounts",
                ]
            }
        // The copy runs before the drop; api_keys references accounts by
        // name, so the rebuilt table satisfies it after the rename.
        return [create, copy, counter] + drop
    }
}
