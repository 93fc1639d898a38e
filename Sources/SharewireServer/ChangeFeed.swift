import Logging
import SharingDomain
import Synchronization

/// Keeps this instance's snapshot current with the writes of other instances
/// on the same store (docs/SERVER.md §11): it catches the writer up from the
/// store's change log whenever the store says something was committed
/// (`LISTEN/NOTIFY`) and at least every ``Configuration/pollInterval``, so a
/// lost notification delays a change but never loses it.
///
/// Check keeps reading the published snapshot; the feed only publishes newer ones.
public final class ChangeFeed: Sendable {
    public struct Configuration: Sendable {
        /// Longest a change committed elsewhere waits to be applied here when
        /// no notification arrives.
        public var pollInterval: Duration = .milliseconds(200)
        /// Whether to LISTEN for commit notifications (off: polling only).
        public var listen = true
        /// Shortest time from the start of one catch-up to the start of the
        /// next. Under a steady stream of commits on other instances, the
        /// notifications that arrive meanwhile are then served by one
        /// catch-up (one transaction, one published snapshot) instead of one
        /// each; a commit after a quiet spell is applied at once. Adds at most
        /// this much to the change-feed lag. Zero: a catch-up per notification.
        public var minimumInterval: Duration = .milliseconds(Self.defaultMinimumIntervalMilliseconds)
        /// 5 ms: at most 200 catch-ups a second.
        public static let defaultMinimumIntervalMilliseconds = 5
        /// How many of the latest revisions the change log keeps; older
        /// entries are deleted every ``pruneInterval`` (docs/SERVER.md §11).
        /// An instance further behind reloads the whole state. `nil` never prunes.
        public var changeLogRetention: UInt64? = Self.defaultChangeLogRetention
        /// How often this instance prunes the change log.
        public var pruneInterval: Duration = .seconds(60)
        /// 100,000 revisions: a few tens of MB of log at a few hundred bytes a write.
        public static let defaultChangeLogRetention: UInt64 = 100_000
        public init() {}
    }

    private let tasks: Mutex<[Task<Void, Never>]>
    private let wake = CommitBell()
    private let caughtUp: Mutex<ContinuousClock.Instant>
    /// Successful catch-ups so far (for tests and metrics).
    private let rounds = Atomic<Int>(0)

    private init() {
        tasks = Mutex([])
        caughtUp = Mutex(ContinuousClock.now)
    }

    /// Starts following `store` for `writer`.
    static func start(
        writer: SharingWriter, store: any SharedSharingStorage, configuration: Configuration,
        metrics: CommitMetrics?, logger: Logger
    ) -> ChangeFeed {
        let feed = ChangeFeed()
        let wake = feed.wake
        var started: [Task<Void, Never>] = []
        if configuration.listen {
            started.append(Task { await store.followChanges { wake.ring() } })
        }
        started.append(
            Task { [weak feed] in
                var failing = false
                var lastStart: ContinuousClock.Instant?
                while !Task.isCancelled {
                    if let lastStart, configuration.minimumInterval > .zero {
                        let next = lastStart + configuration.minimumInterval
                        if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
                    }
                    lastStart = .now
                    // Read after the pause: notifications that came during it
                    // are for commits this catch-up will see.
                    let seen = wake.generation
                    do {
                        try await writer.catchUp()
                        guard let feed else { return }
                        feed.caughtUp.withLock { $0 = .now }
                        feed.rounds.add(1, ordering: .relaxed)
                        metrics?.feedCatchUps.increment()
                        if failing { logger.info("change feed resumed") }
                        failing = false
                    } catch {
                        metrics?.feedFailures.increment()
                        // Logged once per outage: the store may be down for a while.
                        if !failing {
                            logger.warning("change feed cannot read the store", metadata: ["error": "\(error)"])
                        }
                        failing = true
                    }
                    if let metrics, let feed {
                        let (seconds, attoseconds) = feed.staleness.components
                        metrics.feedStaleness.record(Double(seconds) + Double(attoseconds) / 1e18)
                    }
                    await wake.wait(past: seen, timeout: configuration.pollInterval)
                }
            })
        if let retention = configuration.changeLogRetention {
            // Every instance prunes; the DELETE is idempotent, so they may overlap.
            started.append(
                PeriodicPruning.start(every: configuration.pruneInterval, what: "change log", logger: logger) {
                    try await store.pruneChangeLog(retaining: retention)
                })
        }
        feed.tasks.withLock { $0 = started }
        return feed
    }

    /// How long since the snapshot was last known to be current: the
    /// staleness of reads here while the store cannot be read.
    public var staleness: Duration { ContinuousClock.now - caughtUp.withLock { $0 } }

    /// Successful catch-up rounds so far.
    public var catchUps: Int { rounds.load(ordering: .relaxed) }

    /// Stops following; returns once its tasks ended.
    public func stop() async {
        let running = tasks.withLock { t in
            defer { t = [] }
            return t
        }
        for t in running { t.cancel() }
        for t in running { await t.value }
    }
}
