import CoreMetrics

/// Metrics of the writer's group commits, recorded by ``ObservedPersistence``.
///
/// | metric | kind |
/// |---|---|
/// | `sharewire_commit_batch_writes` | recorder (histogram): writes per committed batch |
/// | `sharewire_commit_duration_seconds` | timer (histogram): one SQLite transaction |
/// | `sharewire_commit_failures_total` | counter |
/// | `sharewire_revision` | gauge: the last committed revision |
/// | `sharewire_notifications_queued_total` | counter |
/// | `sharewire_feed_staleness_seconds` | gauge: PostgreSQL cluster only, seconds since the snapshot was last known current |
/// | `sharewire_feed_catchups_total` | counter: PostgreSQL cluster only, change-feed rounds that read the change log |
/// | `sharewire_feed_failures_total` | counter: PostgreSQL cluster only, change-feed rounds that could not read it |
public struct CommitMetrics: Sendable {
    public static let batchWritesLabel = "sharewire_commit_batch_writes"
    public static let durationLabel = "sharewire_commit_duration_seconds"

    let batchWrites = Recorder(label: CommitMetrics.batchWritesLabel, aggregate: true)
    let duration = Timer(label: CommitMetrics.durationLabel)
    let failures = Counter(label: "sharewire_commit_failures_total")
    let revision = Gauge(label: "sharewire_revision")
    let notifications = Counter(label: "sharewire_notifications_queued_total")
    /// Set by ``ChangeFeed`` after each round (every poll interval at most).
    let feedStaleness = Gauge(label: "sharewire_feed_staleness_seconds")
    /// Change-feed rounds that caught up (one per notification burst or poll
    /// interval: its rate is the feed's read load on the database).
    let feedCatchUps = Counter(label: "sharewire_feed_catchups_total")
    /// Change-feed rounds that failed (the store could not be read).
    let feedFailures = Counter(label: "sharewire_feed_failures_total")

    public init() {}
}
