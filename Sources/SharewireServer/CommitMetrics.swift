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

    public init() {}
}
