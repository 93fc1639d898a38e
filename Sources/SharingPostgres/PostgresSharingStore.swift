import Logging
import PostgresNIO
import SharingDomain
import SharingSQL
import Synchronization

/// Why the PostgreSQL store refused to open.
public struct PostgresStoreOpenError: Error, CustomStringConvertible {
    public let description: String
}

/// PostgreSQL persistence for the sharing service, with exactly the semantics
/// of the SQLite store (`SharingStore`): the statements and row decoding are
/// shared (`SharingSQL`).
///
/// - A batch is ONE transaction; the call returns after COMMIT, which with
///   `fsync=on` (checked at open) and `synchronous_commit=on` (set on every
///   connection) means after the WAL is flushed. On a throw the transaction
///   was rolled back; a COMMIT whose answer was lost is resolved through the
///   change log first (``writeTransaction(_:)``), and only when that cannot
///   tell is the error ``SharingDomain/CommitOutcomeUnknown``.
/// - A pool (`PostgresClient`) of at most ``PostgresStoreConfiguration/poolSize``
///   connections: the writer holds one per batch, reads use the others.
/// - The schema is versioned (``PostgresSchema``) and migrated at open; a
///   database whose schema is newer than this binary is refused with
///   ``SharingDomain/SchemaNewerThanBinaryError``.
///
/// Several instances may share one database (docs/SERVER.md §11): every
/// write transaction first locks the `meta` row `revision`
/// (``SharingSQL/SharingSQL/lockRevision``), replays the batches other
/// instances committed since (``catchUp(_:)``, from `change_log`), then
/// appends its own batch and its change-log entry at the next revisions.
/// ``followChanges(wake:)`` LISTENs for the `NOTIFY` each commit sends.
public final class PostgresSharingStore: SharedSharingStorage, Sendable {
    /// The `LISTEN/NOTIFY` channel commits notify on.
    public static let changeChannel = "sharewire_changes"

    public let configuration: PostgresStoreConfiguration
    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger: Logger
    /// Test seam: what ``writeTransaction(_:)`` does in place of sending
    /// COMMIT; nil (always, outside tests) sends COMMIT.
    let commitFault = Mutex<CommitFault?>(nil)

    private init(
        configuration: PostgresStoreConfiguration, client: PostgresClient, running: Task<Void, Never>,
        logger: Logger
    ) {
        self.configuration = configuration
        self.client = client
        self.running = running
        self.logger = logger
    }

    /// Connects, checks the server's durability settings, and migrates the
    /// schema to ``PostgresSchema/latestVersion``.
    public static func open(
        _ configuration: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws -> PostgresSharingStore {
        try await probe(configuration, logger: logger)
        let client = PostgresClient(configuration: try configuration.clientConfiguration, backgroundLogger: logger)
        let running = await startRunning(client)
        let store = PostgresSharingStore(configuration: configuration, client: client, running: running, logger: logger)
        do {
            try await store.verifyDurability()
            try await store.migrate()
            return store
        } catch {
            try? await store.close()
            if error is SchemaNewerThanBinaryError || error is PostgresStoreOpenError { throw error }
            throw PostgresStoreOpenError(description: "opening \(configuration.redacted): \(String(reflecting: error))")
        }
    }

    /// Connects once outside the pool, so that a wrong address, password or
    /// certificate fails the open at once with the real error.
    static func probe(_ configuration: PostgresStoreConfiguration, logger: Logger) async throws {
        try await connect(configuration, logger: logger).close()
    }

    /// One connection outside any pool; a failure throws a
    /// ``PostgresStoreOpenError`` that names the cause.
    static func connect(_ configuration: PostgresStoreConfiguration, logger: Logger) async throws
        -> PostgresConnection
    {
        do {
            return try await PostgresConnection.connect(
                on: PostgresClient.defaultEventLoopGroup.any(),
                configuration: try configuration.connectionConfiguration,
                id: 0, logger: logger
            ).get()
        } catch {
            // PSQLError's description is deliberately generic; its reflection
            // names the cause (refused, TLS, authentication) and holds no password.
            throw PostgresStoreOpenError(
                description: "cannot connect to \(configuration.redacted): \(String(reflecting: error))")
        }
    }

    /// Starts the pool's background work, and returns once that task runs (so
    /// the first lease does not race `run()`).
    static func startRunning(_ client: PostgresClient) async -> Task<Void, Never> {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        await Task.yield()
        return task
    }

    /// Applies the migrations the database lacks; returns their versions.
    /// Idempotent; safe to call while another process does the same: the
    /// loser's transaction fails on a catalog or version key and nothing of
    /// it stays; it then retries from the version it finds (a few times at
    /// most), since the winner may still be applying later versions.
    @discardableResult
    public func migrate() async throws -> [Int] {
        // Bounded: each retry follows a failure while another process was
        // part-way through the versions; a real error repeats and is thrown.
        for attempt in 1...Self.migrationAttempts {
            do {
                return try await bounded { [client, logger] in try await PostgresSchema.migrate(client, logger: logger)
                }
            } catch let error as SchemaNewerThanBinaryError {
                throw error
            } catch {
                // Another process may have applied the same migration first: then
                // this one's transaction failed and the schema is current anyway,
                // or it is still applying later versions: apply what is missing.
                let version = try? await schemaVersion()
                if version == PostgresSchema.latestVersion { return [] }
                if attempt == Self.migrationAttempts || version == nil { throw error }
                logger.info("schema migration raced another process; retrying", metadata: ["attempt": "\(attempt)"])
            }
        }
        return []
    }

    /// How often ``migrate()`` tries again after losing a race with another process.
    static let migrationAttempts = 5

    /// The schema version recorded in the database (0 before any migration).
    public func schemaVersion() async throws -> Int {
        try await bounded { [client, logger] in
            try await client.withConnection { try await PostgresSchema.version($0, logger: logger) }
        }
    }

    private func verifyDurability() async throws {
        let fsync = try await bounded { [client, logger] in
            try await client.withConnection { c in
                try await c.fetch(SQLStatement("SHOW fsync"), logger: logger) { try $0.text(0) }
            }
        }
        guard fsync.first == "on" else {
            throw PostgresStoreOpenError(
                description: "the PostgreSQL server runs with fsync=\(fsync.first ?? "?"); "
                    + "an acknowledged write would not survive a crash")
        }
    }

    /// Closes every pooled connection. Further use throws.
    public func close() async throws {
        running.cancel()
        await running.value
    }

    /// Runs `body` and fails it after ``PostgresStoreConfiguration/operationTimeout``
    /// (a server that is down must not hang the writer forever).
    func bounded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = configuration.operationTimeout
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw PostgresStoreTimeout(timeout: timeout)
            }
            return value
        }
    }
}

/// A store operation took longer than its timeout
/// (``PostgresStoreConfiguration/operationTimeout`` or, for a group commit,
/// ``PostgresStoreConfiguration/writeTimeout``). A write transaction that
/// timed out never commits (its ``OperationGate`` stops it before COMMIT;
/// past COMMIT the error is ``SharingDomain/CommitOutcomeUnknown`` instead),
/// so it is ``SharingDomain/CommitNotStarted``: the writer need not re-read a
/// store that is stalling.
public struct PostgresStoreTimeout: Error, CommitNotStarted, CustomStringConvertible {
    public let timeout: Duration
    public var description: String { "PostgreSQL did not answer within \(timeout)" }
}
