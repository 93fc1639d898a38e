import Logging
import SharingDomain
import Synchronization

/// When each API key was last used, noted on the authentication path and
/// written to the store in the background (docs/SERVER.md, "API keys").
///
/// A use is not a write: recording one per call would put a commit on every
/// authenticated call. So a key's use is noted in memory at most once per
/// ``resolution`` and the noted times are flushed to the store every
/// ``Configuration/flushInterval`` (and on shutdown). What `ListApiKeys`
/// shows is the later of the store's time and what this instance has noted
/// but not flushed yet, so it is exact to ``resolution`` on the instance that
/// answers and to the flush interval across instances.
public final class APIKeyUsage: Sendable {
    public struct Configuration: Sendable {
        /// How often noted uses are written to the store. Default 60 s.
        public var flushInterval: Duration = .seconds(60)
        public init() {}
    }

    /// Uses of one key closer together than this are noted once.
    public static let resolutionMs: Int64 = 60_000

    private struct Noted {
        /// The last time noted per key (what later uses are compared with).
        var last: [APIKeyID: Timestamp] = [:]
        /// Noted since the last flush.
        var pending: [APIKeyID: Timestamp] = [:]
    }

    private let noted = Mutex(Noted())
    private let store: any APIKeyUsageLog
    private let task = OwnedTask()
    private let logger: Logger

    init(store: any APIKeyUsageLog, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Notes that `key` authenticated a call at `at`. Cheap: one uncontended
    /// lock and a dictionary lookup (and `AuthCache` calls it at most once a
    /// minute per cached key); a store write happens only in ``flush()``.
    public func note(_ key: APIKeyID, at: Timestamp) {
        noted.withLock { n in
            if let last = n.last[key], at.millisecondsSinceEpoch - last.millisecondsSinceEpoch < Self.resolutionMs {
                return
            }
            n.last[key] = at
            n.pending[key] = at
        }
    }

    /// The uses noted but not flushed yet, for the keys in `ids`.
    func unflushed(_ ids: some Sequence<APIKeyID>) -> [APIKeyID: Timestamp] {
        noted.withLock { n in
            var out: [APIKeyID: Timestamp] = [:]
            for id in ids { if let at = n.pending[id] { out[id] = at } }
            return out
        }
    }

    /// Writes the uses noted since the last flush. On a storage failure they
    /// are kept for the next flush (a later use of the same key wins).
    public func flush() async {
        let pending = noted.withLock { n in
            defer { n.pending = [:] }
            return n.pending
        }
        guard !pending.isEmpty else { return }
        do {
            try await store.recordAPIKeyUsage(pending)
        } catch {
            logger.warning(
                "could not record API key usage; keeping it for the next flush",
                metadata: ["keys": "\(pending.count)", "error": "\(error)"])
            noted.withLock { n in
                for (id, at) in pending
                where (n.pending[id]?.millisecondsSinceEpoch ?? .min) < at.millisecondsSinceEpoch {
                    n.pending[id] = at
                }
            }
        }
    }

    /// The account's keys' last use: the store's record, or a later use this
    /// instance noted and has not flushed yet.
    func lastUsed(account: AccountID, keys: [APIKeyID]) async throws -> [APIKeyID: Timestamp] {
        var used = try await store.apiKeyUsage(account: account)
        for (id, at) in unflushed(keys) where (used[id]?.millisecondsSinceEpoch ?? .min) < at.millisecondsSinceEpoch {
            used[id] = at
        }
        return used
    }

    static func start(store: any APIKeyUsageLog, configuration: Configuration, logger: Logger) -> APIKeyUsage {
        let usage = APIKeyUsage(store: store, logger: logger)
        let started = Task { [weak usage] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: configuration.flushInterval) } catch { return }
                await usage?.flush()
            }
        }
        usage.task.own(started)
        return usage
    }

    /// Stops the periodic flush and flushes what is left.
    public func stop() async {
        await task.stop()
        await flush()
    }
}
