import Logging
import PostgresNIO
import SharingDomain
import SharingSQL

extension PostgresSharingStore {
    /// LISTENs on ``changeChannel`` over a connection of its own (a pooled
    /// connection goes back to the pool between queries) and calls `wake`
    /// for every notification, until the task is cancelled. A dropped
    /// connection is reopened after ``PostgresStoreConfiguration/reconnectDelay``;
    /// `wake` is called after each (re)connection, since notifications sent
    /// meanwhile are lost. Never throws: the caller polls as well.
    public func followChanges(wake: @escaping @Sendable () -> Void) async {
        var attempt = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: PostgresClient.defaultEventLoopGroup.any(),
                    configuration: try configuration.connectionConfiguration,
                    id: 1, logger: logger
                ).get()
                attempt = 0
                do {
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: Self.changeChannel) { notifications in
                            wake()
                            for try await _ in notifications { wake() }
                        }
                    } onCancel: {
                        // Ends the notification sequence, so the listen returns.
                        connection.close().whenComplete { _ in }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning(
                            "change notifications lost; reconnecting",
                            metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                try? await connection.close()
            } catch {
                if !Task.isCancelled {
                    logger.warning(
                        "cannot listen for change notifications", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
            attempt += 1
            // Bounded backoff; polling keeps the instance current meanwhile.
            let delay = configuration.reconnectDelay * min(attempt, 10)
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }
}

extension PostgresSharingStore {
    /// Deletes the change-log entries of batches that ended more than
    /// `revisions` revisions before the latest (one statement, autocommit;
    /// instances may run it at once). Keeps at least the latest entry.
    public func pruneChangeLog(retaining revisions: UInt64) async throws {
        try await withConnection { [logger] c in
            let latest =
                try await c.fetch(SharingSQL.revision, logger: logger) { UInt64(bitPattern: try $0.int(0)) }.first ?? 0
            guard latest > max(revisions, 1) else { return }
            try await c.execute(SharingSQL.pruneChangeLog(through: latest - max(revisions, 1)), logger: logger)
        }
    }

    /// The last revision of the oldest change-log entry kept; nil when the log is empty.
    public func oldestChangeLogRevision() async throws -> UInt64? {
        try await withConnection { [logger] c in
            try await c.fetch(SharingSQL.oldestChangeLogRevision, logger: logger) { row in
                try row.optionalInt(0).map { UInt64(bitPattern: $0) }
            }.first ?? nil
        }
    }
}
