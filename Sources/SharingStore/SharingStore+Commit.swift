import GRDB
import SharingDomain
import SharingSQL

extension SharingStore {
    /// Writes a whole batch (``SharingSQL/statements(for:)``) in one
    /// transaction through cached prepared statements. Returns after COMMIT,
    /// which with `synchronous=FULL` in WAL mode means after the WAL is fsynced.
    public func commit(_ batch: CommitBatch) async throws {
        let statements = SharingSQL.statements(for: batch)
        try await pool.write { db in
            for statement in statements { try db.execute(statement) }
        }
    }
}
