import Foundation
import GRDB
import SharingDomain

extension SharingStore {
    /// Writes a whole batch in one transaction through cached prepared
    /// statements, then the revision and counters. Returns after COMMIT, which
    /// with `synchronous=FULL` in WAL mode means after the WAL is fsynced.
    public func commit(_ batch: CommitBatch) async throws {
        try await pool.write { db in try Self.write(batch, db) }
    }

    static func write(_ batch: CommitBatch, _ db: Database) throws {
        for m in batch.changes.mutations { try write(m, db) }
        for e in batch.changes.events { try write(e, db) }
        let notify = try db.cachedStatement(sql: """
            INSERT INTO notifications (seq, revision, created_at, recipient_email, recipient_id, language, template, subject, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for n in batch.changes.notifications {
            try notify.execute(arguments: [n.sequence.sql, n.revision.sql, n.createdAt.sql, n.recipientEmail.value,
                                           n.recipient?.sql, n.language.rawValue, n.template.rawValue, n.subject, n.body])
        }
        let meta = try db.cachedStatement(sql: """
            INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value
            """)
        try meta.execute(arguments: [MetaKey.revision, batch.revision.sql])
        for (key, path) in MetaKey.counters { try meta.execute(arguments: [key, batch.counters[keyPath: path].sql]) }
    }

    // Upserts use ON CONFLICT DO UPDATE, never INSERT OR REPLACE: REPLACE
    // deletes the old row first and would cascade to services and share_ports.
    private static func write(_ m: Mutation, _ db: Database) throws {
        switch m {
        case let .putAccount(a):
            try db.cachedStatement(sql: """
                INSERT INTO accounts (id, email, language, api_key_hash, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET email = excluded.email, language = excluded.language,
                    api_key_hash = excluded.api_key_hash
                """).execute(arguments: [a.id.sql, a.email.value, a.language.rawValue, Data(a.apiKeyHash.bytes), a.createdAt.sql])
        case let .putContact(c):
            try db.cachedStatement(sql: """
                INSERT INTO contacts (id, owner_id, email, first_name, last_name, company, language, invited_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
                    company = excluded.company, language = excluded.language, invited_at = excluded.invited_at,
                    updated_at = excluded.updated_at
                """).execute(arguments: [c.id.sql, c.owner.sql, c.email.value, c.firstName, c.lastName, c.company,
                                         c.language.rawValue, c.invitedAt?.sql, c.createdAt.sql, c.updatedAt.sql])
        case let .deleteContact(id):
            try db.cachedStatement(sql: "DELETE FROM contacts WHERE id = ?").execute(arguments: [id.sql])
        case let .putDevice(d):
            try db.cachedStatement(sql: """
                INSERT INTO devices (id, owner_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name,
                    updated_at = excluded.updated_at
                """).execute(arguments: [d.id.sql, d.owner.sql, d.name, d.createdAt.sql, d.updatedAt.sql])
        case let .putService(device, s):
            try db.cachedStatement(sql: """
                INSERT INTO services (id, device_id, name, port, protocol) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, port = excluded.port, protocol = excluded.protocol
                """).execute(arguments: [s.id.sql, device.sql, s.name, Int64(s.port), s.protocol])
        case let .deleteService(id):
            try db.cachedStatement(sql: "DELETE FROM services WHERE id = ?").execute(arguments: [id.sql])
        case let .putShare(s):
            try db.cachedStatement(sql: """
                INSERT INTO shares (device_id, account_id, mode, scripting, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(device_id, account_id) DO UPDATE SET mode = excluded.mode, scripting = excluded.scripting,
                    updated_at = excluded.updated_at
                """).execute(arguments: [s.device.sql, s.user.sql, s.access.mode.rawValue, s.access.scripting,
                                         s.createdAt.sql, s.updatedAt.sql])
            try db.cachedStatement(sql: "DELETE FROM share_ports WHERE device_id = ? AND account_id = ?")
                .execute(arguments: [s.device.sql, s.user.sql])
            if !s.access.services.isEmpty {
                let insert = try db.cachedStatement(sql: "INSERT INTO share_ports (device_id, account_id, service_id) VALUES (?, ?, ?)")
                for sid in s.access.services.sorted() { try insert.execute(arguments: [s.device.sql, s.user.sql, sid.sql]) }
            }
        case let .deleteShare(key):
            try db.cachedStatement(sql: "DELETE FROM shares WHERE device_id = ? AND account_id = ?")
                .execute(arguments: [key.device.sql, key.user.sql])
        }
    }

    private static func write(_ e: Event, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO events (id, revision, at, actor_id, kind, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [e.id.sql, e.revision.sql, e.at.sql, e.actor.sql, e.kind.rawValue, e.detail])
        let device = try db.cachedStatement(sql: "INSERT INTO event_devices (device_id, event_id, pos) VALUES (?, ?, ?)")
        for (i, d) in e.devices.enumerated() { try device.execute(arguments: [d.sql, e.id.sql, i]) }
        let user = try db.cachedStatement(sql: "INSERT INTO event_users (account_id, event_id, pos) VALUES (?, ?, ?)")
        for (i, u) in e.users.enumerated() { try user.execute(arguments: [u.sql, e.id.sql, i]) }
    }
}
