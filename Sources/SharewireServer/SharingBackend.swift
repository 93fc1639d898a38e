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

    /// The published snapshots (read without awaiting the writer).
    public var snapshots: SharingSnapshots { writer.snapshots }

    private init(store: any SharingStorage, writer: SharingWriter, bell: CommitBell, feed: ChangeFeed?) {
        self.store = store
        self.writer = writer
        self.bell = bell
        self.feed = feed
    }

    /// Opens (creating if needed) the SQLite store in `directory` and loads it.
    public static func open(directory: String, limits: Limits = Limits(), metrics: CommitMetrics? = nil,
                            maxBatch: Int = 512) async throws -> SharingBackend {
        try await open(store: try SharingStore(directory: directory), limits: limits, metrics: metrics, maxBatch: maxBatch)
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
    public static func open(store: any SharingStorage, limits: Limits = Limits(), metrics: CommitMetrics? = nil,
                            maxBatch: Int = 512, feed: ChangeFeed.Configuration = ChangeFeed.Configuration(),
                            logger: Logger = Logger(label: "sharewire.feed")) async throws -> SharingBackend {
        let bell = CommitBell()
        let persistence = ObservedPersistence(store, bell: bell, metrics: metrics)
        do {
            let writer = try await SharingWriter.open(persistence: persistence, limits: limits, maxBatch: maxBatch)
            let follower = (store as? any SharedSharingStorage).map { shared in
                ChangeFeed.start(writer: writer, store: shared, configuration: feed, metrics: metrics, logger: logger)
            }
            return SharingBackend(store: store, writer: writer, bell: bell, feed: follower)
        } catch {
            // Inconsistent or unreadable rows: refuse to serve, but release the database.
            try? await store.close()
            throw error
        }
    }

    /// Waits until every submitted write has committed or failed, then closes
    /// the database. Call after the RPC server has drained.
    public func shutdown() async throws {
        await feed?.stop()
        await writer.waitUntilIdle()
        try await store.close()
    }
}
