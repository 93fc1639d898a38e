import SharingDomain

extension SharingSQL {
    /// The events of `query` (without their device and user lists; see
    /// ``eventMembers(_:)``): at most `pageSize + 1` rows of
    /// `id, revision, at, actor_id, kind, detail`, in id order.
    public static func events(_ q: EventQuery) -> SQLStatement {
        var sql = """
            SELECT e.id, e.revision, e.at, e.actor_id, e.kind, e.detail
            FROM event_users u JOIN events e ON e.id = u.event_id
            WHERE u.account_id = ? AND u.event_id > ?
            """
        var args: [SQLValue] = [q.caller.sqlValue, (q.afterID ?? 0).sqlValue]
        kindAndTimeFilter(q.filter, &sql, &args)
        if let device = q.filter.device {
            sql += " AND EXISTS (SELECT 1 FROM event_devices d WHERE d.device_id = ? AND d.event_id = e.id)"
            args.append(device.sqlValue)
        }
        if let user = q.filter.user {
            sql += " AND EXISTS (SELECT 1 FROM event_users v WHERE v.account_id = ? AND v.event_id = e.id)"
            args.append(user.sqlValue)
        }
        sql += " ORDER BY u.event_id LIMIT ?"
        args.append(.int(Int64(q.pageSize + 1)))
        return SQLStatement(sql, args)
    }

    /// Appends the kind and time conditions of `filter` on events `e` (both layouts).
    static func kindAndTimeFilter(_ filter: EventFilter, _ sql: inout String, _ args: inout [SQLValue]) {
        if let kind = filter.kind {
            sql += " AND e.kind = ?"
            args.append(.text(kind.rawValue))
        }
        if let since = filter.since {
            sql += " AND e.at >= ?"
            args.append(since.sqlValue)
        }
        if let until = filter.until {
            sql += " AND e.at < ?"
            args.append(until.sqlValue)
        }
    }

    /// The devices and users of the given events, as rows of
    /// `event_id, is_user (0/1), member_id` ordered by event and position.
    /// `nil` when there are no events.
    public static func eventMembers(_ ids: [Int64]) -> SQLStatement? {
        guard !ids.isEmpty else { return nil }
        let list = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return SQLStatement(
            """
            SELECT event_id, CAST(0 AS BIGINT), device_id, pos FROM event_devices WHERE event_id IN (\(list))
            UNION ALL
            SELECT event_id, CAST(1 AS BIGINT), account_id, pos FROM event_users WHERE event_id IN (\(list))
            ORDER BY 1, 2, 4
            """, (ids + ids).map(SQLValue.int))
    }

    /// Decodes the rows of ``events(_:)`` with their members from ``eventMembers(_:)``.
    public struct EventAssembler {
        private var heads:
            [(id: Int64, revision: UInt64, at: Timestamp, actor: AccountID, kind: EventKind, detail: String)] = []
        var devices: [Int64: [DeviceID]] = [:]
        var users: [Int64: [AccountID]] = [:]
        public init() {}

        public mutating func addEvent(_ row: some SQLRow) throws {
            let kindText = try row.text(4)
            guard let kind = EventKind(rawValue: kindText) else {
                throw StoredValueError(description: "bad event kind \(kindText)")
            }
            heads.append(
                (try row.int(0), try row.unsigned(1), try row.timestamp(2), try row.id(3), kind, try row.text(5)))
        }

        /// The ids to pass to ``SharingSQL/eventMembers(_:)``.
        public var ids: [Int64] { heads.map(\.id) }

        public mutating func addMember(_ row: some SQLRow) throws {
            let event = try row.int(0)
            if try row.int(1) == 0 {
                devices[event, default: []].append(try row.id(2))
            } else {
                users[event, default: []].append(try row.id(2))
            }
        }

        public var events: [Event] {
            heads.map { h in
                Event(
                    id: EventID(sqlInt: h.id), revision: h.revision, at: h.at, actor: h.actor, kind: h.kind,
                    devices: devices[h.id] ?? [], users: users[h.id] ?? [], detail: h.detail)
            }
        }
    }

    /// Outbox entries after `sequence`, in order, at most `limit`.
    public static func notifications(after sequence: UInt64, limit: Int) -> SQLStatement {
        SQLStatement(
            """
            SELECT seq, revision, created_at, recipient_email, recipient_id, language, template, subject, body
            FROM notifications WHERE seq > ? ORDER BY seq LIMIT ?
            """, [sequence.sqlValue, .int(Int64(limit))])
    }

    /// Decodes a row of ``notifications(after:limit:)``.
    public static func notification(_ row: some SQLRow) throws -> OutboxNotification {
        let templateText = try row.text(6)
        guard let template = NotificationTemplate(rawValue: templateText) else {
            throw StoredValueError(description: "bad template \(templateText)")
        }
        return OutboxNotification(
            sequence: try row.unsigned(0), revision: try row.unsigned(1), createdAt: try row.timestamp(2),
            recipientEmail: Email(trusted: try row.text(3)),
            recipient: try row.optionalInt(4).map(AccountID.init(sqlInt:)),
            language: try row.language(5), template: template, subject: try row.text(7), body: try row.text(8))
    }
}

extension SharingSQL {
    /// Moves one key's `last_used_at` forward (never back; a revoked key has
    /// no row left to update).
    public static func recordAPIKeyUse(_ id: APIKeyID, at: Timestamp) -> SQLStatement {
        SQLStatement(
            "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
            [at.sqlValue, id.sqlValue, at.sqlValue])
    }

    /// Rows of `id, last_used_at` for the account's keys used at least once.
    public static func apiKeyUsage(account: AccountID) -> SQLStatement {
        SQLStatement(
            "SELECT id, last_used_at FROM api_keys WHERE account_id = ? AND last_used_at IS NOT NULL",
            [account.sqlValue])
    }

    /// One row of ``apiKeyUsage(account:)``.
    public static func apiKeyUse(_ row: some SQLRow) throws -> (APIKeyID, Timestamp) {
        (try row.id(0), try row.timestamp(1))
    }
}
