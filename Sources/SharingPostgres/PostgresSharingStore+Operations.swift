import Logging
import PostgresNIO
import SharingDomain
import SharingSQL

extension PostgresSharingStore {
    /// Writes a whole batch (``SharingSQL/statements(for:)``) in one
    /// transaction, with its change-log entry, in the one total order of
    /// writes. `batch` must have been computed on the latest committed state.
    public func commit(_ batch: CommitBatch) async throws {
        try await writeTransaction { _, locked in ((), try Self.plan(batch, base: locked.revision)) }
    }

    /// Locks the revision row until the transaction ends; returns its value.
    static func lockRevision(_ c: PostgresConnection, logger: Logger) async throws -> UInt64 {
        let locked = try await c.fetch(SharingSQL.lockRevision, logger: logger) { UInt64(bitPattern: try $0.int(0)) }
        guard let latest = locked.first else {
            throw PostgresStoreOpenError(description: "the meta row 'revision' is missing (schema not migrated?)")
        }
        return latest
    }

    /// The rows of `batch`, its change-log entry (on top of `base`, with a
    /// fresh batch token) and a `NOTIFY`, which PostgreSQL delivers at COMMIT
    /// and only if it commits; ``writeTransaction(_:)`` sends them with the
    /// COMMIT. The marker tells how to recognise the entry after a lost COMMIT.
    static func plan(_ batch: CommitBatch, base: UInt64) throws -> WritePlan {
        var statements = SharingSQL.statements(for: batch, dialect: .postgres)
        let (append, body) = try SharingSQL.appendChangeLog(
            ChangeLogEntry(batch: batch, base: base),
            batchToken: batchToken())
        statements.append(append)
        statements.append(SQLStatement("NOTIFY \(PostgresSharingStore.changeChannel)"))
        return WritePlan(statements: statements, marker: CommitMarker(revision: batch.revision, body: body))
    }

    /// 128 random bits, hex: tells this transaction's change-log entry apart.
    static func batchToken() -> String {
        var g = SystemRandomNumberGenerator()
        let words: [UInt64] = [g.next(), g.next()]
        return words.map { v in
            let hex = String(v, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// One write transaction shared by all instances (docs/SERVER.md §11):
    /// lock the revision row, replay the change log after `base` (or reload
    /// the state if the log cannot bring it there), let `apply` compute the
    /// batch on the latest state, write its rows, its change-log entry and a
    /// `NOTIFY`, commit. A connection lost after COMMIT was sent is resolved
    /// through the change log (``writeTransaction(_:)``); it throws
    /// ``SharingDomain/CommitOutcomeUnknown`` only when that cannot tell.
    public func commitSerialized<R: Sendable>(
        from base: SharingState, _ apply: @escaping @Sendable (SharingState) -> (CommitBatch?, R)
    ) async throws -> R {
        try await writeTransaction(logAfter: base.revision) { [logger] c, locked in
            // Under the lock no other writer commits, so each read below
            // (READ COMMITTED) sees exactly the state at the locked revision.
            // The batches of other instances since `base` came with the lock
            // (one page); only a writer further behind reads more.
            var current = Self.replay(locked.logPage ?? [], on: base, upTo: locked.revision)
            if current.revision != locked.revision {
                current = try await Self.catchUp(current, to: locked.revision, on: c, logger: logger)
            }
            let (batch, result) = apply(current)
            guard let batch else { return (result, nil) }
            return (result, try Self.plan(batch, base: current.revision))
        }
    }

    /// `state` with every batch committed since replayed from the change log.
    ///
    /// The common case (the change feed's, a few batches behind) takes one
    /// wait: BEGIN (`REPEATABLE READ, READ ONLY`), the revision, the first
    /// page of the log after `state` and COMMIT are sent together, and the
    /// replay runs after the answers. When that page does not reach the
    /// revision (more than a page behind, a gap, a state newer than the
    /// database) it falls back to the paged catch-up, which reloads where the
    /// log cannot get there.
    public func catchUp(_ state: SharingState) async throws -> SharingState {
        let (latest, entries) = try await withConnection { [logger] c in
            let answers = try await c.executeAll(
                [
                    PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
                    SharingSQL.revision.postgres,
                    SharingSQL.changeLog(after: state.revision, limit: Self.changeLogPage).postgres,
                    PostgresQuery(unsafeSQL: "COMMIT"),
                ], logger: logger)
            let latest = try answers[1].rows.first.map { UInt64(bitPattern: try PostgresSQLRow($0).int(0)) } ?? 0
            return (latest, try answers[2].rows.map { try SharingSQL.changeLogEntry(PostgresSQLRow($0)) })
        }
        let s = Self.replay(entries, on: state, upTo: latest)
        return s.revision == latest ? s : try await catchUpPaged(state)
    }

    /// `state` with the `entries` up to revision `latest` replayed, as far
    /// as they follow on from it (none when `state` is at or past `latest`).
    /// The caller reads the rest, or reloads, when this stops short.
    static func replay(_ entries: [ChangeLogEntry], on state: SharingState, upTo latest: UInt64) -> SharingState {
        var s = state
        for e in entries where s.revision < latest && e.revision <= latest {
            guard let next = try? s.replaying(e) else { break }
            s = next
        }
        return s
    }

    /// The paged catch-up in one `REPEATABLE READ` transaction (``catchUp(_:to:on:logger:)``).
    func catchUpPaged(_ state: SharingState) async throws -> SharingState {
        try await withTransaction { [logger] c in
            // One snapshot: the revision and the log entries up to it agree.
            try await c.execute(
                SQLStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"), logger: logger)
            let latest =
                try await c.fetch(SharingSQL.revision, logger: logger) { UInt64(bitPattern: try $0.int(0)) }.first ?? 0
            return try await Self.catchUp(state, to: latest, on: c, logger: logger)
        }
    }

    /// Entries read per query while catching up.
    static let changeLogPage = 256

    /// Replays the change log from `state` up to `latest`, reading on `c`
    /// (which must see a state at `latest`). Falls back to a full load when
    /// the log cannot get there: a gap (a state older than the log, or rows
    /// written by a binary without it), or a state newer than the database
    /// (restored from a backup).
    static func catchUp(
        _ state: SharingState, to latest: UInt64, on c: PostgresConnection,
        logger: Logger
    ) async throws -> SharingState {
        var s = state
        while s.revision < latest {
            let entries = try await c.fetch(
                SharingSQL.changeLog(after: s.revision, limit: changeLogPage), logger: logger
            ) {
                try SharingSQL.changeLogEntry($0)
            }
            guard !entries.isEmpty else { break }
            do {
                for e in entries where e.revision <= latest { s = try s.replaying(e) }
            } catch {
                logger.warning(
                    "change log does not reach the latest revision; reloading", metadata: ["reason": "\(error)"])
                return try await load(on: c, limits: state.limits, logger: logger)
            }
            if entries.count < changeLogPage { break }
        }
        guard s.revision == latest else {
            logger.warning(
                "change log does not reach the latest revision; reloading",
                metadata: ["state": "\(s.revision)", "latest": "\(latest)"])
            return try await load(on: c, limits: state.limits, logger: logger)
        }
        return s
    }

    /// Reads every row into a ``SharingState``, from one consistent snapshot.
    public func loadState(limits: Limits) async throws -> SharingState {
        try await withTransaction { [logger] c in
            try await c.execute(
                SQLStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"), logger: logger)
            return try await Self.load(on: c, limits: limits, logger: logger)
        }
    }

    /// Every row read on `c`; consistent when `c` is in a REPEATABLE READ
    /// transaction or holds the revision lock.
    static func load(on c: PostgresConnection, limits: Limits, logger: Logger) async throws -> SharingState {
        var loader = StateLoader()
        for table in StateLoader.Table.allCases {
            try await c.forEach(SQLStatement(table.sql), logger: logger) { try loader.add($0, from: table) }
        }
        return try loader.state(limits: limits)
    }

    /// Events concerning `query.caller`, filtered, in id order, at most `pageSize + 1`.
    public func events(_ query: EventQuery) async throws -> [Event] {
        try await withConnection { [logger] c in
            var assembler = SharingSQL.EventAssembler()
            try await c.forEach(SharingSQL.events(query), logger: logger) { try assembler.addEvent($0) }
            // Events and their members commit together: no snapshot needed.
            if let members = SharingSQL.eventMembers(assembler.ids) {
                try await c.forEach(members, logger: logger) { try assembler.addMember($0) }
            }
            return assembler.events
        }
    }

    /// Outbox entries after `sequence`, in order.
    public func notifications(after sequence: UInt64, limit: Int) async throws -> [OutboxNotification] {
        try await withConnection { [logger] c in
            try await c.fetch(SharingSQL.notifications(after: sequence, limit: limit), logger: logger) {
                try SharingSQL.notification($0)
            }
        }
    }

    /// Moves one consumer's cursor forward (never back).
    public func acknowledgeNotifications(through sequence: UInt64, consumer: NotificationConsumer) async throws {
        try await withConnection { [logger] in
            try await $0.execute(SharingSQL.acknowledge(through: sequence, consumer: consumer), logger: logger)
        }
    }

    /// Access changes after `cursor`, then the pruned mark (read after them,
    /// so a prune in between shows).
    public func accessChanges(
        after cursor: AccessChangeCursor, through: UInt64, visibleTo account: AccountID?,
        limit: Int
    ) async throws -> AccessChangePage {
        try await withConnection { [logger] c in
            let changes = try await c.fetch(
                SharingSQL.accessChanges(
                    after: cursor, through: through, visibleTo: account,
                    limit: limit), logger: logger
            ) {
                try SharingSQL.accessChange($0)
            }
            let mark = try await c.fetch(SharingSQL.accessChangesPrunedThrough, logger: logger) { try $0.int(0) }
            return AccessChangePage(changes: changes, prunedThrough: UInt64(bitPattern: mark.first ?? 0))
        }
    }

    /// Deletes the access changes before the latest `revisions` revisions;
    /// idempotent, so instances may prune concurrently.
    public func pruneAccessChanges(retaining revisions: UInt64) async throws {
        try await withTransaction { [logger] c in
            let latest =
                try await c.fetch(SharingSQL.revision, logger: logger) { UInt64(bitPattern: try $0.int(0)) }.first ?? 0
            guard let through = SharingSQL.accessChangesPruneTarget(latest: latest, retaining: revisions) else {
                return
            }
            for statement in SharingSQL.pruneAccessChanges(through: through) {
                try await c.execute(statement, logger: logger)
            }
        }
    }

    /// One consumer's cursor; 0 when it acknowledged nothing yet.
    public func acknowledgedNotificationSequence(consumer: NotificationConsumer) async throws -> UInt64 {
        try await withConnection { [logger] c in
            UInt64(
                bitPattern: try await c.fetch(SharingSQL.acknowledged(consumer: consumer), logger: logger) {
                    try $0.int(0)
                }.first ?? 0)
        }
    }
}

extension PostgresSharingStore: APIKeyUsageLog {
    public func recordAPIKeyUsage(_ usage: [APIKeyID: Timestamp]) async throws {
        guard !usage.isEmpty else { return }
        try await withConnection { [logger] c in
            for (id, at) in usage { try await c.execute(SharingSQL.recordAPIKeyUse(id, at: at), logger: logger) }
        }
    }

    public func apiKeyUsage(account: AccountID) async throws -> [APIKeyID: Timestamp] {
        try await withConnection { [logger] c in
            var out: [APIKeyID: Timestamp] = [:]
            for (id, at) in try await c.fetch(
                SharingSQL.apiKeyUsage(account: account), logger: logger, SharingSQL.apiKeyUse)
            {
                out[id] = at
            }
            return out
        }
    }
}
