import Logging
import PostgresNIO
import SharingDomain
import SharingSQL
import Synchronization

extension PostgresSharingStore {
    /// Runs `body` in one write transaction (BEGIN and the revision lock,
    /// `body`, COMMIT) within the lease timeout and
    /// ``PostgresStoreConfiguration/writeTimeout`` (``withConnection(timeout:_:)``).
    /// `body` gets the locked revision and returns its value and the
    /// ``CommitMarker`` of the change-log entry it wrote (nil when it wrote
    /// nothing).
    ///
    /// When the connection is lost, or the operation times out, after COMMIT
    /// was sent and before the server answered it, the batch may have been
    /// made durable. The outcome is then resolved through the change log
    /// (``resolveOutcome(of:)``): the value is returned when the entry is
    /// there, ``CommitRolledBack`` thrown when it certainly is not, and
    /// ``SharingDomain/CommitOutcomeUnknown`` only when the database cannot
    /// tell within the write timeout (docs/SERVER.md §11, "When PostgreSQL is
    /// down"). A COMMIT the server answers with an `ERROR`, and every failure
    /// before COMMIT, rolled the transaction back; a `FATAL` one (the backend
    /// terminated) is resolved like a lost connection.
    func writeTransaction<R: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, _ locked: UInt64) async throws -> (R, CommitMarker?)
    ) async throws -> R {
        let fault = commitFault.withLock { $0 }
        // What the body prepared, kept for resolving an unknown outcome (the
        // timer that reports one does not get the body's value).
        let prepared = Slot<(R, CommitMarker?)>()
        do {
            return try await withConnection(timeout: configuration.writeTimeout) { [logger] c, gate in
                // BEGIN and the lock go out together: one wait, not two.
                let value: (R, CommitMarker?)
                do {
                    let locked = try await c.executeAll(
                        [PostgresQuery(unsafeSQL: "BEGIN"), SharingSQL.lockRevision.postgres],
                        logger: logger)[1]
                    guard let row = locked.rows.first else {
                        throw PostgresStoreOpenError(
                            description: "the meta row 'revision' is missing (schema not migrated?)")
                    }
                    value = try await body(c, UInt64(bitPattern: try PostgresSQLRow(row).int(0)))
                } catch {
                    // A dead connection cannot roll back, but then the server does.
                    _ = try? await c.query("ROLLBACK;", logger: logger)
                    throw error
                }
                prepared.set(value)
                // Timed out meanwhile: the caller was told it failed; it must not commit now.
                guard gate.beginCommit() else {
                    _ = try? await c.query("ROLLBACK;", logger: logger)
                    throw CancellationError()
                }
                do {
                    if let fault {
                        try await fault(c, logger)
                    } else {
                        try await c.query("COMMIT;", logger: logger)
                    }
                } catch let error as PSQLError where error.code == .server && error.serverInfo?[.severity] == "ERROR" {
                    throw error  // an ERROR answering COMMIT: the server rolled back
                } catch {
                    // Lost, timed out, or FATAL (the backend terminated; it
                    // may have committed first, e.g. while NOTIFY was delivered).
                    throw CommitOutcomeUnknown(cause: error)
                }
                return value.0
            }
        } catch let unknown as CommitOutcomeUnknown {
            guard let (value, marker) = prepared.get() else { throw unknown }
            // Wrote nothing: committed or not, the database is the same.
            guard let marker else { return value }
            switch await resolveOutcome(of: marker) {
            case .committed:
                logger.notice(
                    "connection lost at COMMIT; the change log shows the batch committed",
                    metadata: ["revision": "\(marker.revision)"])
                return value
            case .rolledBack:
                logger.notice(
                    "connection lost at COMMIT; the change log shows the batch did not commit",
                    metadata: ["revision": "\(marker.revision)"])
                throw CommitRolledBack(revision: marker.revision, cause: unknown.cause)
            case let .unknown(reason):
                logger.warning("connection lost at COMMIT; outcome unknown", metadata: ["reason": "\(reason)"])
                throw unknown
            }
        }
    }

    /// What the change log says about a batch whose COMMIT got no answer.
    enum CommitResolution {
        case committed, rolledBack
        case unknown(String)
    }

    /// Looks for `marker`'s entry on another connection, holding the
    /// revision lock: the lock waits for the lost transaction if its backend
    /// still runs, so afterwards it has certainly ended and the log is final
    /// for it. The entry with `marker.body` (unique by its batch token) at
    /// its revision means committed; another entry there, a latest revision
    /// below it, or a log that still reaches back to it without it means
    /// rolled back. A log pruned past it, or no answer within the write
    /// timeout, leaves it unknown.
    ///
    /// A failed look is tried again until the write timeout: the pool may
    /// hand out the very connection whose backend was terminated (its FATAL
    /// not yet read), or PostgreSQL may be restarting; the look only reads,
    /// so repeating it is safe.
    func resolveOutcome(of marker: CommitMarker) async -> CommitResolution {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.writeTimeout
        var pause = Duration.milliseconds(20)
        while true {
            let started = clock.now
            switch await lookForOutcome(of: marker, timeout: deadline - started) {
            case let .unknown(reason) where clock.now + pause < deadline && reason.hasPrefix(Self.lookFailed):
                logger.debug(
                    "reading the change log for a lost COMMIT failed; trying again", metadata: ["reason": "\(reason)"])
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            case let resolution:
                return resolution
            }
        }
    }

    /// The prefix of an unknown resolution whose look failed (rather than found a pruned log).
    static let lookFailed = "cannot read the change log: "

    /// One look at the change log for `marker` (``resolveOutcome(of:)``).
    private func lookForOutcome(of marker: CommitMarker, timeout: Duration) async -> CommitResolution {
        do {
            return try await withConnection(timeout: timeout) { [logger] c, _ in
                try await c.withTransaction(logger: logger) { c in
                    let latest = try await Self.lockRevision(c, logger: logger)
                    let body = try await c.fetch(SharingSQL.changeLogBody(at: marker.revision), logger: logger) {
                        try $0.text(0)
                    }.first
                    if let body { return body == marker.body ? .committed : .rolledBack }
                    if latest < marker.revision { return .rolledBack }
                    let oldest =
                        try await c.fetch(SharingSQL.oldestChangeLogRevision, logger: logger) {
                            try $0.optionalInt(0).map { UInt64(bitPattern: $0) }
                        }.first ?? nil
                    if let oldest, oldest <= marker.revision { return .rolledBack }
                    return .unknown("the change log no longer reaches revision \(marker.revision)")
                }
            }
        } catch {
            return .unknown(Self.lookFailed + "\(error)")
        }
    }
}

/// How a write transaction's change-log entry is recognised afterwards: its
/// last revision and its exact stored body (which holds a random batch token).
struct CommitMarker: Sendable, Equatable {
    let revision: UInt64
    let body: String
}

/// The connection was lost at COMMIT, and the change log shows the batch did
/// not commit: a definite failure (not processed), so the writer answers
/// `STORAGE_UNAVAILABLE` rather than `COMMIT_OUTCOME_UNKNOWN`.
public struct CommitRolledBack: Error, CustomStringConvertible {
    /// The revision the batch would have ended at.
    public let revision: UInt64
    /// What went wrong at COMMIT.
    public let cause: any Error
    public var description: String {
        "connection lost at COMMIT, and the change log shows the batch (revision \(revision)) did not commit: \(cause)"
    }
}

/// A value set once by one task and read by another.
final class Slot<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ v: T) { value.withLock { $0 = v } }
    func get() -> T? { value.withLock { $0 } }
}

/// Replaces sending COMMIT in ``PostgresSharingStore/writeTransaction(_:)``
/// (tests inject a lost connection with it). Runs where COMMIT would be sent.
typealias CommitFault = @Sendable (PostgresConnection, Logger) async throws -> Void
