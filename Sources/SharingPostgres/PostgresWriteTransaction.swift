import Logging
import PostgresNIO
import SharingDomain

extension PostgresSharingStore {
    /// Runs `body` in one write transaction (BEGIN, `body`, COMMIT) within
    /// the lease timeout and ``PostgresStoreConfiguration/writeTimeout``
    /// (``withConnection(timeout:_:)``), and throws
    /// ``SharingDomain/CommitOutcomeUnknown`` when the connection was lost,
    /// or the operation timed out, after COMMIT was sent and before the
    /// server answered it: the batch may then have been made durable, so its
    /// writes must not be reported as not processed (docs/SERVER.md §11,
    /// "When PostgreSQL is down"). A COMMIT the server answers with an error,
    /// and every failure before COMMIT, rolled the transaction back.
    func writeTransaction<R: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        let fault = commitFault.withLock { $0 }
        return try await withConnection(timeout: configuration.writeTimeout) { [logger] c, gate in
            try await c.query("BEGIN;", logger: logger)
            let value: R
            do {
                value = try await body(c)
            } catch {
                // A dead connection cannot roll back, but then the server does.
                _ = try? await c.query("ROLLBACK;", logger: logger)
                throw error
            }
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
            } catch let error as PSQLError where error.code == .server {
                throw error  // an ErrorResponse to COMMIT: the server rolled back
            } catch {
                throw CommitOutcomeUnknown(cause: error)
            }
            return value
        }
    }
}

/// Replaces sending COMMIT in ``PostgresSharingStore/writeTransaction(_:)``
/// (tests inject a lost connection with it). Runs where COMMIT would be sent.
typealias CommitFault = @Sendable (PostgresConnection, Logger) async throws -> Void
