import GRDB
import SharingDomain

/// The schema, as GRDB migrations. Append new migrations; never edit a shipped one.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: sharing tables") { db in
            try db.execute(sql: """
                CREATE TABLE meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE accounts (
                    id INTEGER PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    language TEXT NOT NULL,
                    api_key_hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL
                );

                CREATE TABLE contacts (
                    id INTEGER PRIMARY KEY,
                    owner_id INTEGER NOT NULL REFERENCES accounts(id),
                    email TEXT NOT NULL,
                    first_name TEXT,
                    last_name TEXT,
                    company TEXT,
                    language TEXT NOT NULL,
                    invited_at INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (owner_id, email)
                );

                CREATE TABLE devices (
                    id INTEGER PRIMARY KEY,
                    owner_id INTEGER NOT NULL REFERENCES accounts(id),
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX devices_by_owner ON devices(owner_id);

                CREATE TABLE services (
                    id INTEGER PRIMARY KEY,
                    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
                    protocol TEXT NOT NULL
                );
                CREATE INDEX services_by_device ON services(device_id);

                CREATE TABLE shares (
                    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                    account_id INTEGER NOT NULL REFERENCES accounts(id),
                    mode TEXT NOT NULL CHECK (mode IN ('ALL', 'PORTS')),
                    scripting INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (device_id, account_id)
                ) WITHOUT ROWID;
                CREATE INDEX shares_by_account ON shares(account_id);

                CREATE TABLE share_ports (
                    device_id INTEGER NOT NULL,
                    account_id INTEGER NOT NULL,
                    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                    PRIMARY KEY (device_id, account_id, service_id),
                    FOREIGN KEY (device_id, account_id) REFERENCES shares(device_id, account_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX share_ports_by_service ON share_ports(service_id);

                -- Audit events outlive the rows they mention: no foreign keys.
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY,
                    revision INTEGER NOT NULL,
                    at INTEGER NOT NULL,
                    actor_id INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE TABLE event_devices (
                    device_id INTEGER NOT NULL,
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    pos INTEGER NOT NULL,
                    PRIMARY KEY (device_id, event_id)
                ) WITHOUT ROWID;
                CREATE INDEX event_devices_by_event ON event_devices(event_id);
                CREATE TABLE event_users (
                    account_id INTEGER NOT NULL,
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    pos INTEGER NOT NULL,
                    PRIMARY KEY (account_id, event_id)
                ) WITHOUT ROWID;
                CREATE INDEX event_users_by_event ON event_users(event_id);

                -- The outbox. seq increases strictly; consumers resume after the
                -- acknowledged cursor kept in meta ('notifications_acked').
                CREATE TABLE notifications (
                    seq INTEGER PRIMARY KEY,
                    revision INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    recipient_email TEXT NOT NULL,
                    recipient_id INTEGER,
                    language TEXT NOT NULL,
                    template TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                """)
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
