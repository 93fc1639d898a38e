import Logging
import SharingDomain
import SharingStore

/// The storage side of a server: a store (SQLite in a data directory, or
/// PostgreSQL), the single writer over it, and the bell its commits ring.
///
/// Opening reloads the whole committed state from the store. Shut down in
/// this order: stop serving calls, then ``shutdown()`` (waits for every
/// submitted write to commit or fail, then closes the database).
public final class SharingBackend: Sendable {
    public let store: any SharingStorage
    public let writer: SharingWriter
    public let bell: CommitBell
    /// Follows the other instances' writes; `nil` for a store with one writer (SQLite).
    public let feed: ChangeFeed?
    /// Commits the expiry of time-limited shares.
    public let expiry: ExpiryTimer
    /// Records when API keys were last used.
    public let keyUsage: APIKeyUsage
    /// Prunes the access-change log; `nil` when it keeps everything.
    private let accessPruning: Task<Void, Never>?

    /// How much of the access-change log (WatchAccessChanges) is kept.
    public struct AccessChangeRetention: Sendable {
        /// How many of the latest revisions keep their access changes; older
        /// ones are deleted every ``pruneInterval``, and a stream resuming
        /// from before them gets ACCESS_CURSOR_EXPIRED. `nil` keeps all.
        public var revisions: UInt64? = Self.defaultRevisions
        public var pruneInterval: Duration = .seconds(60)
        /// 100,000 revisions, as the cluster change log.
        public static let defaultRevisions: UInt64 = 100_000
        public init() {}
    }

    /// The published snapshots (read without awaiting the writer).
    public var snapshots: SharingSnapshots { writer.snapshots }

    private init(
        store: any SharingStorage, writer: SharingWriter, bell: CommitBell, feed: ChangeFeed?,
        expiry: ExpiryTimer, keyUsage: APIKeyUsage, accessPruning: Task<Void, Never>?
    ) {
        self.store = store
        self.writer = writer
        self.bell = bell
        self.feed = feed
        self.expiry = expiry
        self.keyUsage = keyUsage
        self.accessPruning = accessPruning
    }

    /// Opens (creating if needed) the SQLite store in `directory` and loads it.
    public static func open(
        directory: String, limits: Limits = Limits(), metrics: CommitMetrics? = nil,
        maxBatch: Int = 512, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
        expiry: ExpiryTimer.Configuration = ExpiryTimer.Configuration(),
        keyUsage: APIKeyUsage.Configuration = APIKeyUsage.Configuration(),
        accessRetention: AccessChangeRetention = AccessChangeRetention()
    ) async throws -> SharingBackend {
        try await open(
            store: try SharingStore(directory: directory), limits: limits, metrics: metrics, maxBatch: maxBatch,
            clock: clock, expiry: expiry, keyUsage: keyUsage, accessRetention: accessRetention)
    }

    /// Loads the state from an opened `store` and starts the writer on it. The
    /// backend owns the store from now on: it is closed on failure and by
    /// ``shutdown()``.
    ///
    /// - Parameters:
    ///   - limits: the limits the rules enforce from now on (they are not stored).
    ///   - metrics: commit metrics, or `nil` for none.
    ///   - maxBatch: most writes per group commit.
    ///   - feed: how to follow other instances when the store is shared
    ///     (``SharedSharingStorage``); ignored otherwise.
    ///   - clock: the time writes are stamped with and share expiries are
    ///     checked against (injected by tests).
    ///   - expiry: the share-expiry timer's settings.
    ///   - keyUsage: how often API key last-use times are written.
    ///   - accessRetention: how much of the access-change log is kept.
    public static func open(
        store: any SharingStorage, limits: Limits = Limits(), metrics: CommitMetrics? = nil,
        maxBatch: Int = 512, feed: ChangeFeed.Configuration = ChangeFeed.Configuration(),
        logger: Logger = Logger(label: "sharewire.feed"),
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
        expiry: ExpiryTimer.Configuration = ExpiryTimer.Configuration(),
        keyUsage: APIKeyUsage.Configuration = APIKeyUsage.Configuration(),
        accessRetention: AccessChangeRetention = AccessChangeRetention()
    ) async throws -> SharingBackend {
        let bell = CommitBell()
        let persistence = ObservedPersistence(store, bell: bell, metrics: metrics)
        do {
            let writer = try await SharingWriter.open(
                persistence: persistence, limits: limits, maxBatch: maxBatch,
                clock: clock)
            let follower = (store as? any SharedSharingStorage).map { shared in
                ChangeFeed.start(writer: writer, store: shared, configuration: feed, metrics: metrics, logger: logger)
            }
            let timer = ExpiryTimer.start(
                writer: writer, clock: clock, configuration: expiry,
                logger: Logger(label: "sharewire.expiry"))
            let usage = APIKeyUsage.start(
                store: store, configuration: keyUsage,
                logger: Logger(label: "sharewire.key-usage"))
            let pruning = accessRetention.revisions.map { revisions in
                PeriodicPruning.start(
                    every: accessRetention.pruneInterval, what: "access-change log",
                    logger: Logger(label: "sharewire.access")
                ) {
                    try await store.pruneAccessChanges(retaining: revisions)
                }
            }
            return SharingBackend(
                store: store, writer: writer, bell: bell, feed: follower, expiry: timer,
                keyUsage: usage, accessPruning: pruning)
        } catch {
            // Inconsistent or unreadable rows: refuse to serve, but release the database.
            try? await store.close()
            throw error
        }
    }

    /// Waits until every submitted write has committed or failed, then closes
    /// the database. Call after the RPC server has drained.
    public func shutdown() async throws {
        await expiry.stop()
        accessPruning?.cancel()
        await accessPruning?.value
        await feed?.stop()
        await writer.waitUntilIdle()
        await keyUsage.stop()
        try await store.close()
    }
}
