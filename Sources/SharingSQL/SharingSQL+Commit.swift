import SharingDomain

/// The SQL both stores run, written once: the statements of a commit, the
/// reads of the snapshot, the event and outbox listings, and the decoding of
/// their rows. The schemas differ per store (column types, SQLite's
/// `WITHOUT ROWID`); table and column names are the same.
///
/// Portability: plain `INSERT`/`UPDATE`/`DELETE`/`SELECT`, `INSERT … ON CONFLICT
/// (…) DO UPDATE … [WHERE …]` (SQLite ≥ 3.24, PostgreSQL ≥ 9.5, CockroachDB,
/// YugabyteDB), `EXISTS` and `IN (…)` subqueries, `LIMIT`. No `RETURNING`,
/// no `INSERT OR REPLACE` (it deletes first, which would cascade), no
/// functions that differ between engines (`max(a, b)` vs `GREATEST`).
public enum SharingSQL {
    /// Every statement of `batch`, in the order they must run inside ONE
    /// transaction: row changes, audit events, outbox entries, access changes, then the
    /// revision and id counters. Events go in the store's `layout`. Rows of
    /// one kind go as one statement (``multiRow(_:_:_:suffix:dialect:)``):
    /// multi-row `VALUES` on SQLite, one typed array per column through
    /// `UNNEST` on PostgreSQL.
    public static func statements(
        for batch: CommitBatch, events layout: EventLayout = .memberTables, dialect: SQLDialect = .sqlite
    ) -> [SQLStatement] {
        var out: [SQLStatement] = []
        out.reserveCapacity(batch.changes.mutations.count * 2 + 8)
        // Consecutive share puts (a bulk share) and consecutive share deletes
        // (a bulk remove) go as a few multi-row statements: a round trip per
        // row would dominate a commit over a network.
        var shares: [(share: Share, hadPorts: Bool)] = []
        var keys: Set<ShareKey> = []
        var deleted: [ShareKey] = []
        func flush() {
            append(shares, to: &out, dialect: dialect)
            shares.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
            out += multiRow(
                "DELETE FROM shares WHERE (device_id, account_id) IN (", [.int, .int],
                deleted.map { [$0.device.sqlValue, $0.user.sqlValue] }, suffix: ")", dialect: dialect)
            deleted.removeAll(keepingCapacity: true)
        }
        for m in batch.changes.mutations {
            switch m {
            case let .putShare(share, hadPorts):
                if !deleted.isEmpty || keys.contains(share.key) { flush() }
                shares.append((share, hadPorts))
                keys.insert(share.key)
            case let .deleteShare(key):
                // Deleting a key twice is deleting it once; a put before must run first.
                if !shares.isEmpty { flush() }
                deleted.append(key)
            default:
                flush()
                append(m, to: &out)
            }
        }
        flush()
        switch layout {
        case .memberTables: append(batch.changes.events, to: &out, dialect: dialect)
        case .inline: out += inlineEventInserts(batch.changes.events, dialect: dialect)
        }
        out += multiRow(
            "INSERT INTO notifications (seq, revision, created_at, recipient_email, recipient_id, language, template, subject, body)",
            [.int, .int, .int, .text, .int, .text, .text, .text, .text],
            batch.changes.notifications.map { n in
                [
                    n.sequence.sqlValue, n.revision.sqlValue, n.createdAt.sqlValue, .text(n.recipientEmail.value),
                    n.recipient?.sqlValue ?? .null, .text(n.language.rawValue), .text(n.template.rawValue),
                    .text(n.subject), .text(n.body),
                ]
            }, dialect: dialect)
        out += insert(batch.changes.accessChanges, dialect: dialect)
        out += setMeta(
            [(MetaKey.revision, batch.revision)]
                + MetaKey.counters.map { ($0.0, batch.counters[keyPath: $0.1]) }, dialect: dialect)
        return out
    }

    /// One upsert of every `(key, value)` pair (the revision and the id
    /// counters of a batch in one statement, not one round trip each).
    static func setMeta(_ pairs: [(String, UInt64)], dialect: SQLDialect = .sqlite) -> [SQLStatement] {
        multiRow(
            "INSERT INTO meta (key, value)", [.text, .int], pairs.map { [.text($0.0), $0.1.sqlValue] },
            suffix: "ON CONFLICT (key) DO UPDATE SET value = excluded.value", dialect: dialect)
    }

    // Upserts use ON CONFLICT DO UPDATE, never INSERT OR REPLACE: REPLACE
    // deletes the old row first and would cascade to services and share_ports.
    private static func append(_ m: Mutation, to out: inout [SQLStatement]) {
        switch m {
        case let .putAccount(a):
            out.append(
                SQLStatement(
                    """
                    INSERT INTO accounts (id, email, language, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET email = excluded.email, language = excluded.language
                    """, [a.id.sqlValue, .text(a.email.value), .text(a.language.rawValue), a.createdAt.sqlValue]))
        case let .putAPIKey(k):
            // Keys are never changed once created; a replayed put changes nothing.
            out.append(
                SQLStatement(
                    """
                    INSERT INTO api_keys (id, account_id, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """, [k.id.sqlValue, k.account.sqlValue, .text(k.name), .bytes(k.hash.bytes), k.createdAt.sqlValue])
            )
        case let .deleteAPIKey(id):
            out.append(SQLStatement("DELETE FROM api_keys WHERE id = ?", [id.sqlValue]))
        case let .putContact(c):
            out.append(
                SQLStatement(
                    """
                    INSERT INTO contacts (id, owner_id, email, first_name, last_name, company, language, invited_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
                        company = excluded.company, language = excluded.language, invited_at = excluded.invited_at,
                        updated_at = excluded.updated_at
                    """,
                    [
                        c.id.sqlValue, c.owner.sqlValue, .text(c.email.value), c.firstName.sqlValue,
                        c.lastName.sqlValue,
                        c.company.sqlValue, .text(c.language.rawValue), c.invitedAt?.sqlValue ?? .null,
                        c.createdAt.sqlValue, c.updatedAt.sqlValue,
                    ]))
        case let .deleteContact(id):
            out.append(SQLStatement("DELETE FROM contacts WHERE id = ?", [id.sqlValue]))
        case let .putDevice(d):
            out.append(
                SQLStatement(
                    """
                    INSERT INTO devices (id, owner_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name,
                        updated_at = excluded.updated_at
                    """, [d.id.sqlValue, d.owner.sqlValue, .text(d.name), d.createdAt.sqlValue, d.updatedAt.sqlValue]))
        case let .putService(device, s):
            out.append(
                SQLStatement(
                    """
                    INSERT INTO services (id, device_id, name, port, protocol) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, port = excluded.port, protocol = excluded.protocol
                    """, [s.id.sqlValue, device.sqlValue, .text(s.name), .int(Int64(s.port)), .text(s.protocol)]))
        case let .deleteService(id):
            out.append(SQLStatement("DELETE FROM services WHERE id = ?", [id.sqlValue]))
        case .putShare, .deleteShare:
            preconditionFailure("share puts and deletes are grouped by statements(for:)")
        case let .deleteDevice(id):
            // Services cascade (and their share ports); the shares went first.
            out.append(SQLStatement("DELETE FROM devices WHERE id = ?", [id.sqlValue]))
        case let .deleteAccount(id):
            // Its devices, shares and contacts went first (foreign keys without
            // cascade); its API keys go with it, here.
            out.append(SQLStatement("DELETE FROM api_keys WHERE account_id = ?", [id.sqlValue]))
            out.append(SQLStatement("DELETE FROM accounts WHERE id = ?", [id.sqlValue]))
        }
    }

    /// Shares with distinct keys: upserted together, their service lists
    /// replaced together. Equivalent to putting them one by one, since
    /// statements on different keys commute. Only the shares that had port
    /// rows (``Mutation/putShare(_:hadPorts:)``) have them deleted: a bulk
    /// share creating 1,000 shares runs no delete.
    private static func append(
        _ puts: [(share: Share, hadPorts: Bool)], to out: inout [SQLStatement], dialect: SQLDialect
    ) {
        guard !puts.isEmpty else { return }
        let shares = puts.map(\.share)
        out += multiRow(
            "INSERT INTO shares (device_id, account_id, mode, scripting, created_at, updated_at, expires_at, accept_by)",
            [.int, .int, .text, .bool, .int, .int, .int, .int],
            shares.map { s in
                [
                    s.device.sqlValue, s.user.sqlValue, .text(s.access.mode.rawValue), .bool(s.access.scripting),
                    s.createdAt.sqlValue, s.updatedAt.sqlValue, s.expiresAt?.sqlValue ?? .null,
                    s.acceptBy?.sqlValue ?? .null,
                ]
            },
            suffix: """
                ON CONFLICT (device_id, account_id) DO UPDATE SET mode = excluded.mode,
                    scripting = excluded.scripting, updated_at = excluded.updated_at,
                    expires_at = excluded.expires_at, accept_by = excluded.accept_by
                """, dialect: dialect)
        out += multiRow(
            "DELETE FROM share_ports WHERE (device_id, account_id) IN (", [.int, .int],
            puts.compactMap { $0.hadPorts ? [$0.share.device.sqlValue, $0.share.user.sqlValue] : nil }, suffix: ")",
            dialect: dialect)
        out += multiRow(
            "INSERT INTO share_ports (device_id, account_id, service_id)", [.int, .int, .int],
            shares.flatMap { s in
                s.access.services.sorted().map { [s.device.sqlValue, s.user.sqlValue, $0.sqlValue] }
            }, dialect: dialect)
    }

    /// The audit events of a batch and their members, as three multi-row
    /// inserts in all (a batch of 64 single shares wrote 192 statements
    /// with a statement per event and member list).
    private static func append(_ events: [Event], to out: inout [SQLStatement], dialect: SQLDialect) {
        out += multiRow(
            "INSERT INTO events (id, revision, at, actor_id, kind, detail)", [.int, .int, .int, .int, .text, .text],
            events.map { e in
                [
                    e.id.sqlValue, e.revision.sqlValue, e.at.sqlValue, e.actor.sqlValue, .text(e.kind.rawValue),
                    .text(e.detail),
                ]
            }, dialect: dialect)
        out += multiRow(
            "INSERT INTO event_devices (device_id, event_id, pos)", [.int, .int, .int],
            events.flatMap { e in
                e.devices.enumerated().map { [$1.sqlValue, e.id.sqlValue, .int(Int64($0))] }
            }, dialect: dialect)
        out += multiRow(
            "INSERT INTO event_users (account_id, event_id, pos)", [.int, .int, .int],
            events.flatMap { e in
                e.users.enumerated().map { [$1.sqlValue, e.id.sqlValue, .int(Int64($0))] }
            }, dialect: dialect)
    }

    /// Most rows in one multi-row `VALUES` statement (keeps the parameters
    /// of one statement well under SQLite's 32,766 and PostgreSQL's 65,535).
    static let rowsPerStatement = 500

    /// `head` and the `rows` as a row source, then `suffix`; nothing for no
    /// rows. Rows keep their order.
    ///
    /// - SQLite: `head VALUES (?, …), (?, …) … suffix`, in chunks of
    ///   ``rowsPerStatement``.
    /// - PostgreSQL: `head SELECT * FROM UNNEST(?::bigint[], ?::text[], …)
    ///   suffix`, one statement whatever the row count, each column bound as
    ///   one array (``SQLArrayLiteral``) of its `types` entry. A bulk share of
    ///   1,000 pairs binds 8 parameters instead of 8,000, and the statement
    ///   text, hence its plan, is the same for every batch.
    static func multiRow(
        _ head: String, _ types: [SQLColumnType], _ rows: [[SQLValue]], suffix: String = "",
        dialect: SQLDialect = .sqlite
    ) -> [SQLStatement] {
        guard !rows.isEmpty else { return [] }
        let tail = suffix.isEmpty ? "" : " " + suffix
        switch dialect {
        case .postgres:
            let arrays = types.indices.map { c in
                SQLValue.text(SQLArrayLiteral.make(rows.lazy.map { $0[c] }))
            }
            let columns = types.map { "?::\($0.postgresArray)" }.joined(separator: ", ")
            return [SQLStatement(head + " SELECT * FROM UNNEST(" + columns + ")" + tail, arrays)]
        case .sqlite:
            let tuple = "(" + Array(repeating: "?", count: types.count).joined(separator: ", ") + ")"
            return stride(from: 0, to: rows.count, by: rowsPerStatement).map { start in
                let chunk = rows[start..<min(start + rowsPerStatement, rows.count)]
                let values = Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
                return SQLStatement(head + " VALUES " + values + tail, chunk.flatMap { $0 })
            }
        }
    }

    /// Moves one consumer's outbox cursor forward, never back.
    public static func acknowledge(through sequence: UInt64, consumer: NotificationConsumer) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO notification_cursors (consumer, acked_seq) VALUES (?, ?)
            ON CONFLICT (consumer) DO UPDATE SET acked_seq = excluded.acked_seq
            WHERE notification_cursors.acked_seq < excluded.acked_seq
            """, [.text(consumer.name), sequence.sqlValue])
    }

    /// One consumer's outbox cursor: zero or one row, `acked_seq`.
    public static func acknowledged(consumer: NotificationConsumer) -> SQLStatement {
        SQLStatement("SELECT acked_seq FROM notification_cursors WHERE consumer = ?", [.text(consumer.name)])
    }
}

/// Keys of the meta table.
public enum MetaKey {
    public static let revision = "revision"
    /// The single outbox cursor of schema version 1; the consumer-cursor
    /// migration moves it to the consumer `default` and deletes it.
    public static let acknowledged = "notifications_acked"
    static var counters: [(String, WritableKeyPath<IDCounters, UInt64>)] {
        [
            ("next_account", \.account), ("next_contact", \.contact), ("next_device", \.device),
            ("next_service", \.service), ("next_event", \.event), ("next_notification", \.notification),
            ("next_api_key", \.apiKey),
        ]
    }
}
