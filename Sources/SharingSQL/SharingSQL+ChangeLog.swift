import Foundation
import SharingDomain

/// The statements of the cluster change log (``SharingSchema/clusterChangeLog(_:)``)
/// and its row format.
extension SharingSQL {
    /// Locks the revision row until the transaction ends and reads it: the
    /// writers of all instances queue here, so their batches get consecutive
    /// revisions in one total order. One row, `value`.
    public static let lockRevision = SQLStatement(
        "SELECT value FROM meta WHERE key = ? FOR UPDATE", [.text(MetaKey.revision)])

    /// The committed revision (no lock). Zero or one row, `value`.
    public static let revision = SQLStatement("SELECT value FROM meta WHERE key = ?", [.text(MetaKey.revision)])

    /// Change-log entries of batches after `revision`, oldest first, at most
    /// `limit`. Rows: `body`.
    public static func changeLog(after revision: UInt64, limit: Int) -> SQLStatement {
        SQLStatement("SELECT body FROM change_log WHERE revision > ? ORDER BY revision LIMIT ?",
                     [revision.sqlValue, .int(Int64(limit))])
    }

    /// Appends `entry`; committed in the same transaction as its batch.
    public static func appendChangeLog(_ entry: ChangeLogEntry) throws -> SQLStatement {
        let body = String(decoding: try JSONEncoder().encode(entry), as: UTF8.self)
        return SQLStatement("INSERT INTO change_log (revision, first_revision, body) VALUES (?, ?, ?)",
                            [entry.revision.sqlValue, entry.firstRevision.sqlValue, .text(body)])
    }

    /// Deletes the change-log entries of batches that ended at or before
    /// `revision` (pruning: an instance that needs them reloads the state).
    public static func pruneChangeLog(through revision: UInt64) -> SQLStatement {
        SQLStatement("DELETE FROM change_log WHERE revision <= ?", [revision.sqlValue])
    }

    /// The oldest entry's last revision (zero or one row, `revision`; NULL when empty).
    public static let oldestChangeLogRevision = SQLStatement("SELECT MIN(revision) FROM change_log")

    /// Decodes a row of ``changeLog(after:limit:)``.
    public static func changeLogEntry(_ row: some SQLRow) throws -> ChangeLogEntry {
        let body = try row.text(0)
        do {
            return try JSONDecoder().decode(ChangeLogEntry.self, from: Data(body.utf8))
        } catch {
            throw StoredValueError(description: "bad change log entry: \(error)")
        }
    }
}
