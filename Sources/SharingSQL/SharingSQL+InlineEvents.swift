import SharingDomain

/// How a store keeps the members (devices and users) of an audit event.
public enum EventLayout: Sendable {
    /// Schema version 1 (PostgreSQL): rows of `event_devices` and
    /// `event_users`, each clustered by member with a second index by event,
    /// written with the event.
    case memberTables
    /// SQLite since ``SharingSchema/inlineEventMembersName``: the lists in the
    /// event's own append-only row (`events.devices`, `events.users`: ids in
    /// order, space-separated). `event_users` (clustered by account, no
    /// index by event) is filled later, ``SharingSQL/eventUsersIndexLag``
    /// events at a time, for the events up to the `meta` key
    /// ``SharingSQL/eventUsersThroughKey``; listings scan the newer events'
    /// lists. A commit then writes no B-tree page per member: with the
    /// member tables each event wrote a leaf page per device and per user.
    case inline
}

extension SharingSchema {
    /// The name of the inline-event-members migration: version 8 of the SQLite store.
    public static let inlineEventMembersName = "inline event members"

    /// Inline event members, the schema part (SQLite only; depends on
    /// version 1): the two list columns. The store then fills them from
    /// `event_devices` and `event_users` (``inlineEventMembersBackfill``, in
    /// event and position order) and runs ``inlineEventMembersCleanup``.
    public static let inlineEventMembers = [
        "ALTER TABLE events ADD COLUMN devices TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE events ADD COLUMN users TEXT NOT NULL DEFAULT ''",
    ]

    /// The member rows of every event, as `event_id, is_user (0/1), member_id`
    /// in event, kind and position order: what the backfill reads.
    public static let inlineEventMembersBackfill = """
        SELECT event_id, 0, device_id, pos FROM event_devices
        UNION ALL
        SELECT event_id, 1, account_id, pos FROM event_users
        ORDER BY 1, 2, 4
        """

    /// What follows the backfill: `event_devices` and the by-event index of
    /// `event_users` go; every existing event is in `event_users` already.
    public static let inlineEventMembersCleanup = [
        "DROP INDEX event_devices_by_event",
        "DROP TABLE event_devices",
        "DROP INDEX event_users_by_event",
        """
        INSERT INTO meta (key, value)
        SELECT '\(SharingSQL.eventUsersThroughKey)', COALESCE(MAX(id), 0) FROM events
        """,
    ]
}

extension SharingSQL {
    /// The `meta` key of the highest event id whose users are in
    /// `event_users` (``EventLayout/inline``).
    public static let eventUsersThroughKey = "event_users_through"

    /// How many events may wait for `event_users` (``EventLayout/inline``):
    /// the commit that finds more indexes them. Bounds what a listing scans.
    public static let eventUsersIndexLag: UInt64 = 2048

    /// Sets one event's inline lists (the backfill of version 8).
    public static func setInlineMembers(event: Int64, devices: String, users: String) -> SQLStatement {
        SQLStatement(
            "UPDATE events SET devices = ?, users = ? WHERE id = ?", [.text(devices), .text(users), .int(event)])
    }

    /// The inline form of a member list: ids in order, space-separated.
    public static func inlineList(_ raws: some Sequence<UInt64>) -> String {
        raws.map { String($0) }.joined(separator: " ")
    }

    /// The event rows of a batch in the ``EventLayout/inline`` layout.
    static func inlineEventInserts(_ events: [Event], dialect: SQLDialect = .sqlite) -> [SQLStatement] {
        multiRow(
            "INSERT INTO events (id, revision, at, actor_id, kind, detail, devices, users)",
            [.int, .int, .int, .int, .text, .text, .text, .text],
            events.map { e in
                [
                    e.id.sqlValue, e.revision.sqlValue, e.at.sqlValue, e.actor.sqlValue, .text(e.kind.rawValue),
                    .text(e.detail), .text(inlineList(e.devices.lazy.map(\.raw))),
                    .text(inlineList(e.users.lazy.map(\.raw))),
                ]
            }, dialect: dialect)
    }

    /// Zero or one row, `value`: the highest event id in `event_users`.
    public static let eventUsersThrough = SQLStatement(
        "SELECT value FROM meta WHERE key = ?", [.text(eventUsersThroughKey)])

    /// Rows of `id, users` of the events after `id`, in id order: what the
    /// next `event_users` rows come from.
    public static func eventUsersToIndex(after id: UInt64) -> SQLStatement {
        SQLStatement("SELECT id, users FROM events WHERE id > ? ORDER BY id", [id.sqlValue])
    }

    /// The `event_users` rows of the `(event id, users)` pairs, and the mark
    /// moved to `through`: run in one transaction.
    public static func indexEventUsers(_ events: [(id: Int64, users: String)], through: UInt64) throws
        -> [SQLStatement]
    {
        var rows: [[SQLValue]] = []
        for (id, users) in events {
            for (pos, user) in try EventAssembler.list(users, as: AccountID.self).enumerated() {
                rows.append([user.sqlValue, .int(id), .int(Int64(pos))])
            }
        }
        return multiRow("INSERT INTO event_users (account_id, event_id, pos)", [.int, .int, .int], rows)
            + setMeta([(eventUsersThroughKey, through)])
    }

    /// The events of `q` in the ``EventLayout/inline`` layout: at most
    /// `pageSize + 1` rows of `id, revision, at, actor_id, kind, detail,
    /// devices, users`, in id order. Those up to the `event_users` mark come
    /// through the index, the newer ones (at most about
    /// ``eventUsersIndexLag``) from a scan of their lists; each part is
    /// limited before the two are merged.
    public static func inlineEvents(_ q: EventQuery) -> SQLStatement {
        let columns = "e.id, e.revision, e.at, e.actor_id, e.kind, e.detail, e.devices, e.users"
        let through = "(SELECT value FROM meta WHERE key = '\(eventUsersThroughKey)')"
        var filter = ""
        var filterArgs: [SQLValue] = []
        kindAndTimeFilter(q.filter, &filter, &filterArgs)
        // SQLite's instr: the id, space-delimited, in the list (a whole id, not a digit of another).
        if let device = q.filter.device {
            filter += " AND instr(' ' || e.devices || ' ', ?) > 0"
            filterArgs.append(.text(" \(device.raw) "))
        }
        if let user = q.filter.user {
            filter += " AND instr(' ' || e.users || ' ', ?) > 0"
            filterArgs.append(.text(" \(user.raw) "))
        }
        let after = (q.afterID ?? 0).sqlValue
        let limit = SQLValue.int(Int64(q.pageSize + 1))
        return SQLStatement(
            """
            SELECT * FROM (SELECT \(columns) FROM event_users u JOIN events e ON e.id = u.event_id
                WHERE u.account_id = ? AND u.event_id > ?\(filter) ORDER BY u.event_id LIMIT ?)
            UNION ALL
            SELECT * FROM (SELECT \(columns) FROM events e
                WHERE e.id > \(through) AND e.id > ? AND instr(' ' || e.users || ' ', ?) > 0\(filter)
                ORDER BY e.id LIMIT ?)
            ORDER BY 1 LIMIT ?
            """,
            [q.caller.sqlValue, after] + filterArgs + [limit, after, .text(" \(q.caller.raw) ")] + filterArgs
                + [limit, limit])
    }
}

extension SharingSQL.EventAssembler {
    /// Decodes a row of ``SharingSQL/inlineEvents(_:)``: the event with its
    /// lists (columns 6, 7).
    public mutating func addInlineEvent(_ row: some SQLRow) throws {
        try addEvent(row)
        let id = try row.int(0)
        devices[id] = try Self.list(row.text(6), as: DeviceID.self)
        users[id] = try Self.list(row.text(7), as: AccountID.self)
    }

    static func list<ID: SharingID>(_ text: String, as: ID.Type) throws -> [ID] {
        try text.split(separator: " ").map { part in
            guard let raw = UInt64(part) else { throw StoredValueError(description: "bad event member \(part)") }
            return ID(raw: raw)
        }
    }
}
