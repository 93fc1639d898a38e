/// Where the writer makes its batches durable. Implemented by SharingStore.
public protocol SharingPersistence: Sendable {
    /// Reads the whole committed state (start-up, and after a failed commit).
    func loadState(limits: Limits) async throws -> SharingState

    /// Writes every change of `batch`, its revision and counters in ONE
    /// transaction, and returns only once it is durable. On a throw nothing of
    /// the batch may be visible.
    func commit(_ batch: CommitBatch) async throws

    /// Runs one write transaction in the one total order of writes: brings
    /// `base` up to the latest committed revision, calls `apply` with that
    /// state, makes the batch it returns durable (nothing when `nil`), and
    /// returns what `apply` returned. Throws if the transaction failed; then
    /// nothing of the batch is visible, except when the error is
    /// ``CommitOutcomeUnknown``: the connection was lost after COMMIT was
    /// sent, so the batch may have landed (storage is the truth).
    ///
    /// The default, for a store with one writer (this process): `base` is
    /// already the latest, so it is `apply` then ``commit(_:)``. A store
    /// shared by several instances overrides it to lock, catch up and commit
    /// in one transaction.
    func commitSerialized<R: Sendable>(
        from base: SharingState,
        _ apply: @escaping @Sendable (SharingState) -> (CommitBatch?, R)
    ) async throws -> R

    /// `state` brought up to the latest committed revision (other instances'
    /// batches replayed from the change log). The default returns `state`:
    /// with one writer there is nothing to catch up.
    func catchUp(_ state: SharingState) async throws -> SharingState
}

extension SharingPersistence {
    public func commitSerialized<R: Sendable>(
        from base: SharingState, _ apply: @escaping @Sendable (SharingState) -> (CommitBatch?, R)
    ) async throws -> R {
        let (batch, result) = apply(base)
        if let batch { try await commit(batch) }
        return result
    }

    public func catchUp(_ state: SharingState) async throws -> SharingState { state }
}

/// A commit whose outcome is unknown: the store lost the connection (or its
/// operation timed out) after COMMIT was sent and before the answer came, so
/// the batch may or may not have been made durable. The writer answers its
/// writes `COMMIT_OUTCOME_UNKNOWN` (status UNKNOWN), never the not-processed
/// `STORAGE_UNAVAILABLE`, so no client resends them blindly.
public struct CommitOutcomeUnknown: Error, CustomStringConvertible {
    /// What went wrong at COMMIT.
    public let cause: any Error

    public init(cause: any Error) {
        self.cause = cause
    }

    public var description: String { "connection lost after COMMIT was sent (outcome unknown): \(cause)" }
}

/// A storage failure before anything of a transaction was sent (e.g. the
/// database could not be reached): nothing changed, so the writer keeps its
/// state instead of re-reading storage, which would fail the same way.
public protocol CommitNotStarted: Error {}

/// A validated event listing: only events that concern `caller`.
public struct EventQuery: Hashable, Sendable {
    public let caller: AccountID
    public let filter: EventFilter
    /// Events with a larger id than this, in id order.
    public let afterID: UInt64?
    public let pageSize: Int

    /// Validates page size and cursor against `limits`.
    public init(
        caller: AccountID, filter: EventFilter, cursor: String?, pageSize: Int,
        limits: Limits
    ) throws(SharingError) {
        self.caller = caller
        self.filter = filter
        self.afterID = try PageCursor.decode(cursor)
        self.pageSize = try limits.pageSize(pageSize)
    }

    /// The page for `events` fetched with one row more than `pageSize`.
    public func page(_ fetched: [Event]) -> Page<Event> {
        guard fetched.count > pageSize else { return Page(items: fetched, nextCursor: nil) }
        let items = Array(fetched.prefix(pageSize))
        return Page(items: items, nextCursor: PageCursor.encode(items[items.count - 1].id.raw))
    }
}

/// Reads of what only grows and so is kept in storage, not in the snapshot.
public protocol SharingEventLog: Sendable {
    /// At most `query.pageSize + 1` events matching the query, in id order
    /// (the extra one tells there is a next page; see ``EventQuery/page(_:)``).
    func events(_ query: EventQuery) async throws -> [Event]

    /// Outbox entries with a sequence above `sequence`, in order.
    func notifications(after sequence: UInt64, limit: Int) async throws -> [OutboxNotification]

    /// Records that `consumer` has handled every notification through `sequence`.
    /// Its cursor never moves back; other consumers' cursors are untouched.
    func acknowledgeNotifications(through sequence: UInt64, consumer: NotificationConsumer) async throws

    /// The consumer's acknowledged cursor (0 for a consumer never seen): it resumes after it.
    func acknowledgedNotificationSequence(consumer: NotificationConsumer) async throws -> UInt64

    /// At most `limit` access changes after `cursor` and up to revision
    /// `through`, in (revision, position) order, that `account` may see (all
    /// for `nil`), with the pruned mark read after them: a change pruned
    /// while they were read shows as a mark past the cursor.
    func accessChanges(
        after cursor: AccessChangeCursor, through: UInt64, visibleTo account: AccountID?,
        limit: Int
    ) async throws -> AccessChangePage

    /// Deletes the access changes older than the latest `revisions`
    /// revisions and moves the pruned mark (docs/SERVER.md "Access-change feed").
    func pruneAccessChanges(retaining revisions: UInt64) async throws
}

/// When API keys were last used. Kept beside the revisioned state, not in
/// it: a use is not a write (no revision, no event, no change log), and the
/// server records uses coarsely, at most once a minute per key per
/// instance, so the time is approximate to that.
public protocol APIKeyUsageLog: Sendable {
    /// Moves each key's last use forward to the given time (never back);
    /// keys revoked meanwhile are skipped.
    func recordAPIKeyUsage(_ usage: [APIKeyID: Timestamp]) async throws

    /// The recorded last use of the account's keys; keys never used are absent.
    func apiKeyUsage(account: AccountID) async throws -> [APIKeyID: Timestamp]
}

/// A store the server runs on: it persists the writer's batches and serves
/// the event and outbox reads. Implemented by the SQLite store (`SharingStore`)
/// and the PostgreSQL one (`PostgresSharingStore`).
public protocol SharingStorage: SharingPersistence, SharingEventLog, APIKeyUsageLog {
    /// Releases the database. Call once nothing is submitted any more; further use throws.
    func close() async throws
}

/// A store several instances write to: besides its change log (read by
/// ``SharingPersistence/catchUp(_:)``) it can say when another instance has
/// committed, so that instances need not poll often.
public protocol SharedSharingStorage: SharingStorage {
    /// Calls `wake` whenever another writer may have committed, until the
    /// task is cancelled. A wake-up may be lost (a dropped connection); the
    /// caller polls as well. Reconnects by itself and wakes after each
    /// reconnection, since changes may have passed meanwhile.
    func followChanges(wake: @escaping @Sendable () -> Void) async

    /// Deletes the change-log entries older than the latest `revisions`
    /// revisions (the retention, docs/SERVER.md §11). An instance whose state
    /// is older than what is left reloads the whole state on its next catch-up
    /// (the log then has a gap) instead of missing changes.
    func pruneChangeLog(retaining revisions: UInt64) async throws
}

/// The database's schema is newer than this binary knows: it was migrated by
/// a later release. Opening refuses rather than write rows an old binary does
/// not understand; run the newer binary (or restore a backup).
public struct SchemaNewerThanBinaryError: Error, CustomStringConvertible, Equatable {
    /// What the database records as applied, e.g. `"7"` or a migration name.
    public let databaseVersion: String
    /// The newest version this binary knows.
    public let binaryVersion: String
    public init(databaseVersion: String, binaryVersion: String) {
        self.databaseVersion = databaseVersion
        self.binaryVersion = binaryVersion
    }
    public var description: String {
        "the database schema (version \(databaseVersion)) is newer than this sharewired knows (version \(binaryVersion)); "
            + "run the newer release, or restore a backup taken before the upgrade"
    }
}
