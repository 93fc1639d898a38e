import Foundation
import GRDB
import SharingDomain

extension SharingStore {
    /// Events concerning `query.caller` (it is among the event's users), filtered,
    /// in id order, at most `pageSize + 1`.
    public func events(_ query: EventQuery) async throws -> [Event] {
        try await pool.read { db in try Self.events(query, db) }
    }

    static func events(_ q: EventQuery, _ db: Database) throws -> [Event] {
        var sql = """
            SELECT e.id, e.revision, e.at, e.actor_id, e.kind, e.detail
            FROM event_users u JOIN events e ON e.id = u.event_id
            WHERE u.account_id = ? AND u.event_id > ?
            """
        var args: StatementArguments = [q.caller.sql, Int64(bitPattern: q.afterID ?? 0)]
        if let kind = q.filter.kind { sql += " AND e.kind = ?"; _ = args.append(contentsOf: [kind.rawValue]) }
        if let since = q.filter.since { sql += " AND e.at >= ?"; _ = args.append(contentsOf: [since.sql]) }
        if let until = q.filter.until { sql += " AND e.at < ?"; _ = args.append(contentsOf: [until.sql]) }
        if let device = q.filter.device {
            sql += " AND EXISTS (SELECT 1 FROM event_devices d WHERE d.device_id = ? AND d.event_id = e.id)"
            _ = args.append(contentsOf: [device.sql])
        }
        if let user = q.filter.user {
            sql += " AND EXISTS (SELECT 1 FROM event_users v WHERE v.account_id = ? AND v.event_id = e.id)"
            _ = args.append(contentsOf: [user.sql])
        }
        sql += " ORDER BY u.event_id LIMIT ?"
        _ = args.append(contentsOf: [q.pageSize + 1])

        let deviceStatement = try db.cachedStatement(sql: "SELECT device_id FROM event_devices WHERE event_id = ? ORDER BY pos")
        let userStatement = try db.cachedStatement(sql: "SELECT account_id FROM event_users WHERE event_id = ? ORDER BY pos")
        var out: [Event] = []
        for row in try Row.fetchAll(db, sql: sql, arguments: args) {
            let id: Int64 = row["id"]
            let kindText: String = row["kind"]
            guard let kind = EventKind(rawValue: kindText) else { throw StoredValueError(description: "bad event kind \(kindText)") }
            let devices = try Int64.fetchAll(deviceStatement, arguments: [id]).map(DeviceID.init(sql:))
            let users = try Int64.fetchAll(userStatement, arguments: [id]).map(AccountID.init(sql:))
            out.append(Event(id: EventID(sql: id), revision: UInt64(bitPattern: row["revision"]), at: Timestamp(sql: row["at"]),
                             actor: AccountID(sql: row["actor_id"]), kind: kind, devices: devices, users: users,
                             detail: row["detail"]))
        }
        return out
    }

    /// Outbox entries after `sequence`, in order.
    public func notifications(after sequence: UInt64, limit: Int) async throws -> [OutboxNotification] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notifications WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [sequence.sql, limit]).map { row in
                let templateText: String = row["template"]
                guard let template = NotificationTemplate(rawValue: templateText) else {
                    throw StoredValueError(description: "bad template \(templateText)")
                }
                return OutboxNotification(
                    sequence: UInt64(bitPattern: row["seq"]), revision: UInt64(bitPattern: row["revision"]),
                    createdAt: Timestamp(sql: row["created_at"]), recipientEmail: Email(trusted: row["recipient_email"]),
                    recipient: (row["recipient_id"] as Int64?).map(AccountID.init(sql:)),
                    language: try row.language("language"), template: template,
                    subject: row["subject"], body: row["body"])
            }
        }
    }

    /// Moves the acknowledged cursor forward (never back).
    public func acknowledgeNotifications(through sequence: UInt64) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO meta (key, value) VALUES (?, ?)
                ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)
                """, arguments: [MetaKey.acknowledged, sequence.sql])
        }
    }

    /// The acknowledged cursor; 0 when nothing was acknowledged.
    public func acknowledgedNotificationSequence() async throws -> UInt64 {
        try await pool.read { db in
            UInt64(bitPattern: try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?",
                                                  arguments: [MetaKey.acknowledged]) ?? 0)
        }
    }
}
