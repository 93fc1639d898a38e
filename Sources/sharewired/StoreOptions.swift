import ArgumentParser
import Foundation
import Logging
import SharewireServer
import SharingDomain
import SharingPostgres
import SharingStore

/// Which store holds the state: `sqlite:<dir>` (the default, `--data-dir`)
/// or `postgres://…`. See docs/SERVER.md §11.
enum StoreLocation {
    case sqlite(directory: String)
    case postgres(PostgresStoreConfiguration)

    static let environmentVariable = "SHAREWIRE_STORE"

    /// Parses `sqlite:<dir>` or a `postgres://` / `postgresql://` URL.
    static func parse(_ spec: String) throws -> StoreLocation {
        let spec = spec.trimmingCharacters(in: .whitespacesAndNewlines)
        if spec.hasPrefix("sqlite:") {
            let dir = String(spec.dropFirst("sqlite:".count))
            guard !dir.isEmpty else { throw ValidationError("store: sqlite:<dir> needs a directory") }
            return .sqlite(directory: dir)
        }
        if spec.hasPrefix("postgres://") || spec.hasPrefix("postgresql://") {
            do {
                return .postgres(try PostgresStoreConfiguration(url: spec))
            } catch {
                throw ValidationError("store: \(error)")  // the message never repeats the URL: it may hold a password
            }
        }
        throw ValidationError("store: expected sqlite:<dir> or postgres://user@host:port/db")
    }

    /// For logs: never the password.
    var redacted: String {
        switch self {
        case let .sqlite(directory): "sqlite:\(directory)"
        case let .postgres(config): config.redacted
        }
    }
}

/// `--store`, `--store-file`, `SHAREWIRE_STORE` and the pool size.
struct StoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where state lives: sqlite:<dir> or postgres://user@host:port/db[?sslmode=require] (default: sqlite:<--data-dir>).",
            discussion:
                "A URL with a password is better given with --store-file or SHAREWIRE_STORE, so it is not in ps."))
    var store: String?

    @Option(
        help: "File holding the --store value (surrounding whitespace trimmed). Takes precedence over SHAREWIRE_STORE.")
    var storeFile: String?

    @Option(help: "Most connections to PostgreSQL (the writer uses one; event and outbox reads the others).")
    var postgresPoolSize = PostgresStoreConfiguration.defaultPoolSize

    @Option(
        help: ArgumentHelp(
            "PostgreSQL: longest one group commit may take before its writes fail (seconds).",
            discussion:
                "Below your clients' deadlines, a batch stalled by a database outage fails UNAVAILABLE (not processed) before they give up; too low, and a large bulk share on a slow database fails."
        ))
    var postgresWriteTimeoutSeconds = Int(PostgresStoreConfiguration.defaultWriteTimeout.components.seconds)

    @Option(
        help: ArgumentHelp(
            "PostgreSQL: longest, in ms, before a write committed by another instance is applied here without a notification.",
            discussion: "Instances are woken by LISTEN/NOTIFY; this polling covers a lost notification."))
    var feedPollMs = 200

    @Option(
        help: ArgumentHelp(
            "PostgreSQL: shortest time, in ms, between two catch-ups of the change feed (0: one per notification).",
            discussion:
                "Under a steady stream of writes on other instances, the notifications that arrive meanwhile are served by one catch-up; adds at most this much to the feed's lag."
        ))
    var feedMinIntervalMs = ChangeFeed.Configuration.defaultMinimumIntervalMilliseconds

    @Option(
        help: ArgumentHelp(
            "PostgreSQL: how many of the latest revisions the change log keeps (pruned every minute).",
            discussion:
                "An instance that falls further behind (stopped for longer) reloads the whole state instead of replaying the log."
        ))
    var changeLogRetention = ChangeFeed.Configuration.defaultChangeLogRetention

    @Option(
        help: ArgumentHelp(
            "How many of the latest revisions the access-change log (WatchAccessChanges) keeps (pruned every minute).",
            discussion: "A watcher resuming from an older revision gets ACCESS_CURSOR_EXPIRED and re-reads the state."))
    var accessChangeRetention = SharingBackend.AccessChangeRetention.defaultRevisions

    func validate() throws {
        guard store == nil || storeFile == nil else { throw ValidationError("give --store or --store-file, not both") }
        guard (2...1000).contains(postgresPoolSize) else {
            throw ValidationError("--postgres-pool-size must be 2...1000")
        }
        guard (1...600).contains(postgresWriteTimeoutSeconds) else {
            throw ValidationError("--postgres-write-timeout-seconds must be 1...600")
        }
        guard (10...60_000).contains(feedPollMs) else { throw ValidationError("--feed-poll-ms must be 10...60000") }
        guard (0...1_000).contains(feedMinIntervalMs) else {
            throw ValidationError("--feed-min-interval-ms must be 0...1000")
        }
        guard (1_000...1_000_000_000).contains(changeLogRetention) else {
            throw ValidationError("--change-log-retention must be 1000...1000000000")
        }
        guard (1_000...1_000_000_000).contains(accessChangeRetention) else {
            throw ValidationError("--access-change-retention must be 1000...1000000000")
        }
    }

    /// `--store`, else `--store-file`, else `SHAREWIRE_STORE`, else `sqlite:<dataDir>`.
    func location(dataDir: String, environment: [String: String]) throws -> StoreLocation {
        if let store { return try StoreLocation.parse(store) }
        if let storeFile {
            let text: String
            do { text = try String(contentsOfFile: storeFile, encoding: .utf8) } catch {
                throw ValidationError("--store-file \(storeFile): \(error.localizedDescription)")
            }
            return try StoreLocation.parse(text)
        }
        if let spec = environment[StoreLocation.environmentVariable], !spec.isEmpty {
            return try StoreLocation.parse(spec)
        }
        return .sqlite(directory: dataDir)
    }

    /// Opens the chosen store and the backend on it.
    func openBackend(
        dataDir: String, limits: Limits, metrics: CommitMetrics?, maxBatch: Int,
        logger: Logger
    ) async throws -> SharingBackend {
        let location = try location(dataDir: dataDir, environment: ProcessInfo.processInfo.environment)
        logger.info("opening store", metadata: ["store": "\(location.redacted)"])
        var retention = SharingBackend.AccessChangeRetention()
        retention.revisions = accessChangeRetention
        switch location {
        case let .sqlite(directory):
            return try await SharingBackend.open(
                directory: directory, limits: limits, metrics: metrics, maxBatch: maxBatch,
                accessRetention: retention)
        case var .postgres(config):
            config.poolSize = postgresPoolSize
            config.writeTimeout = .seconds(postgresWriteTimeoutSeconds)
            let store = try await PostgresSharingStore.open(config, logger: Logger(label: "sharewire.postgres"))
            var feed = ChangeFeed.Configuration()
            feed.pollInterval = .milliseconds(feedPollMs)
            feed.minimumInterval = .milliseconds(feedMinIntervalMs)
            feed.changeLogRetention = changeLogRetention
            return try await SharingBackend.open(
                store: store, limits: limits, metrics: metrics, maxBatch: maxBatch,
                feed: feed, logger: Logger(label: "sharewire.feed"), accessRetention: retention)
        }
    }
}
