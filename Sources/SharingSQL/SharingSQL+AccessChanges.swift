import SharingDomain

/// The access-change log (``SharingSchema/accessChanges(_:)``): its rows,
/// reads and pruning, the same for both stores.
extension SharingSQL {
    /// The meta key of the revision through which the log has been pruned.
    public static let accessChangesPrunedThroughKey = "access_changes_pruned_through"

    /// The rows of `changes` (one multi-row insert per chunk).
    static func insert(_ changes: [AccessChangeRecord], dialect: SQLDialect = .sqlite) -> [SQLStatement] {
        multiRow(
            "INSERT INTO access_changes (revision, pos, at, device_id, user_id, owner_id, kind, level, scripting, services, expires_at)",
            [.int, .int, .int, .int, .int, .int, .text, .text, .bool, .text, .int],
            changes.map { c in
                let (level, scripting, services, expiresAt): (String, Bool, String, Timestamp?) =
                    switch c.grant {
                    case .none: ("NONE", false, "", nil)
                    case .owner: ("OWNER", true, "", nil)
                    case let .shared(access, expiresAt):
                        (
                            access.mode.rawValue, access.scripting,
                            access.services.map(\.raw).sorted().map(String.init).joined(separator: " "), expiresAt
                        )
                    }
                return [
                    c.revision.sqlValue, .int(Int64(c.position)), c.at.sqlValue, c.device.sqlValue,
                    c.user.sqlValue, c.owner.sqlValue, .text(c.kind.rawValue), .text(level), .bool(scripting),
                    .text(services), expiresAt?.sqlValue ?? .null,
                ]
            }, dialect: dialect)
    }

    /// Changes after `cursor` up to revision `through`, in (revision,
    /// position) order, at most `limit`; only those `account` may see
    /// (its own access, or on a device it owned), or all for `nil`.
    public static func accessChanges(
        after cursor: AccessChangeCursor, through: UInt64, visibleTo account: AccountID?,
        limit: Int
    ) -> SQLStatement {
        var sql = """
            SELECT revision, pos, at, device_id, user_id, owner_id, kind, level, scripting, services, expires_at
            FROM access_changes WHERE (revision > ? OR (revision = ? AND pos > ?)) AND revision <= ?
            """
        var values: [SQLValue] = [
            cursor.revision.sqlValue, cursor.revision.sqlValue, .int(Int64(cursor.position)),
            through.sqlValue,
        ]
        if let account {
            sql += " AND (user_id = ? OR owner_id = ?)"
            values += [account.sqlValue, account.sqlValue]
        }
        return SQLStatement(sql + " ORDER BY revision, pos LIMIT ?", values + [.int(Int64(limit))])
    }

    /// The revision through which the log has been pruned: zero or one row, `value`.
    public static let accessChangesPrunedThrough = SQLStatement(
        "SELECT value FROM meta WHERE key = ?", [.text(accessChangesPrunedThroughKey)])

    /// Deletes the changes of revisions up to `revision` and moves the pruned
    /// mark there (never back); run both in one transaction.
    public static func pruneAccessChanges(through revision: UInt64) -> [SQLStatement] {
        [
            SQLStatement("DELETE FROM access_changes WHERE revision <= ?", [revision.sqlValue]),
            SQLStatement(
                """
                INSERT INTO meta (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE meta.value < excluded.value
                """, [.text(accessChangesPrunedThroughKey), revision.sqlValue]),
        ]
    }

    /// The revision to prune through so that the latest `revisions`
    /// revisions stay, or nil when there is nothing to prune yet.
    public static func accessChangesPruneTarget(latest: UInt64, retaining revisions: UInt64) -> UInt64? {
        let keep = max(revisions, 1)
        return latest > keep ? latest - keep : nil
    }

    /// Decodes a row of ``accessChanges(after:through:visibleTo:limit:)``.
    public static func accessChange(_ row: some SQLRow) throws -> AccessChangeRecord {
        let kindText = try row.text(6)
        guard let kind = AccessChangeCause(rawValue: kindText) else {
            throw StoredValueError(description: "bad access change kind \(kindText)")
        }
        let level = try row.text(7)
        let grant: AccessGrant
        switch level {
        case "NONE": grant = .none
        case "OWNER": grant = .owner
        default:
            guard let mode = ShareMode(rawValue: level) else {
                throw StoredValueError(description: "bad access level \(level)")
            }
            var services: Set<ServiceID> = []
            for part in try row.text(9).split(separator: " ") {
                guard let raw = UInt64(part) else { throw StoredValueError(description: "bad access services \(part)") }
                services.insert(ServiceID(raw: raw))
            }
            grant = .shared(
                ShareAccess(mode: mode, services: services, scripting: try row.bool(8)),
                expiresAt: try row.optionalInt(10).map(Timestamp.init(sqlInt:)))
        }
        return AccessChangeRecord(
            revision: try row.unsigned(0), position: Int(try row.int(1)), at: try row.timestamp(2),
            device: try row.id(3), user: try row.id(4), owner: try row.id(5), kind: kind, grant: grant)
    }
}

extension SharingSchema {
    /// The name of the share-invitation migration: version 7 in both stores.
    public static let shareInvitationsName = "share invitations"

    /// Share invitations: `shares.accept_by`, milliseconds since the epoch:
    /// a pending invitation that gives no access until accepted, and lapses
    /// then; NULL for a share that gives its access (every share before this
    /// version). Depends only on version 1.
    public static func shareInvitations(_ d: SQLDialect) -> [String] {
        ["ALTER TABLE shares ADD COLUMN accept_by \(d.integer)"]
    }

    /// The name of the access-change-log migration: version 6 in both stores.
    /// Depends only on version 1, so it can be renumbered when merged with
    /// other migrations.
    public static let accessChangesName = "access change log"

    /// The access-change log: one row per change of one account's access to
    /// one device, keyed by (revision, position), written with its batch.
    /// The pruned mark starts at the revision the database has, so a cursor
    /// from before the log existed is refused rather than served with gaps.
    public static func accessChanges(_ d: SQLDialect) -> [String] {
        let int = d.integer
        return [
            """
            CREATE TABLE access_changes (
                revision \(int) NOT NULL,
                pos \(int) NOT NULL,
                at \(int) NOT NULL,
                device_id \(int) NOT NULL,
                user_id \(int) NOT NULL,
                owner_id \(int) NOT NULL,
                kind TEXT NOT NULL,
                level TEXT NOT NULL CHECK (level IN ('NONE', 'OWNER', 'ALL', 'PORTS')),
                scripting \(d.boolean) NOT NULL,
                services TEXT NOT NULL,
                expires_at \(int),
                PRIMARY KEY (revision, pos)
            )\(d.clustered)
            """,
            """
            INSERT INTO meta (key, value)
            SELECT '\(SharingSQL.accessChangesPrunedThroughKey)', COALESCE(MAX(value), 0) FROM meta WHERE key = 'revision'
            """,
        ]
    }
}
