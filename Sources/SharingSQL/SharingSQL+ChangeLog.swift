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
        SQLStatement(
            "SELECT body FROM change_log WHERE revision > ? ORDER BY revision LIMIT ?",
            [revision.sqlValue, .int(Int64(limit))])
    }

    /// Appends `entry`, stored with the writing transaction's `batchToken`
    /// (``changeLogBody(_:batchToken:)``); committed in the same transaction
    /// as its batch. Returns the statement and the stored body.
    public static func appendChangeLog(_ entry: ChangeLogEntry, batchToken: String) throws -> (
        SQLStatement, body: String
    ) {
        let body = try changeLogBody(entry, batchToken: batchToken)
        return (
            SQLStatement(
                "INSERT INTO change_log (revision, first_revision, body) VALUES (?, ?, ?)",
                [entry.revision.sqlValue, entry.firstRevision.sqlValue, .text(body)]), body
        )
    }

    /// The stored body of `entry` (``ChangeLogCodec``: `b1:` and Base64 of
    /// a compact binary form) with `batchToken`, a random token of the
    /// transaction that wrote it. A writer whose connection died at COMMIT
    /// looks for its exact body to learn whether the batch landed: two
    /// instances may write byte-identical entries at the same revision (the
    /// same share removed on both from the same base), the token tells them
    /// apart. Readers skip it.
    public static func changeLogBody(_ entry: ChangeLogEntry, batchToken: String) throws -> String {
        ChangeLogCodec.encode(entry, batchToken: batchToken)
    }

    /// The body of `entry` in the JSON form written before the binary one
    /// (its fields plus `"batch": batchToken`); still read by
    /// ``changeLogEntry(_:)``. For tests of that compatibility.
    public static func legacyJSONChangeLogBody(_ entry: ChangeLogEntry, batchToken: String) throws -> String {
        String(decoding: try JSONEncoder().encode(TokenedEntry(entry: entry, batch: batchToken)), as: UTF8.self)
    }

    /// A change-log entry with its batch token, encoded as one JSON object.
    private struct TokenedEntry: Encodable {
        let entry: ChangeLogEntry
        let batch: String
        enum Key: String, CodingKey { case batch }
        func encode(to encoder: any Encoder) throws {
            try entry.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(batch, forKey: .batch)
        }
    }

    /// The body of the entry whose last revision is `revision`: zero or one row, `body`.
    public static func changeLogBody(at revision: UInt64) -> SQLStatement {
        SQLStatement("SELECT body FROM change_log WHERE revision = ?", [revision.sqlValue])
    }

    /// Deletes the change-log entries of batches that ended at or before
    /// `revision` (pruning: an instance that needs them reloads the state).
    public static func pruneChangeLog(through revision: UInt64) -> SQLStatement {
        SQLStatement("DELETE FROM change_log WHERE revision <= ?", [revision.sqlValue])
    }

    /// The oldest entry's last revision (zero or one row, `revision`; NULL when empty).
    public static let oldestChangeLogRevision = SQLStatement("SELECT MIN(revision) FROM change_log")

    /// Decodes a row of ``changeLog(after:limit:)``: a binary body
    /// (``ChangeLogCodec``) or the JSON of entries written before it.
    public static func changeLogEntry(_ row: some SQLRow) throws -> ChangeLogEntry {
        try changeLogEntry(body: try row.text(0))
    }

    /// Decodes a stored change-log body, either form.
    public static func changeLogEntry(body: String) throws -> ChangeLogEntry {
        if body.hasPrefix(ChangeLogCodec.prefix) {
            return try ChangeLogCodec.decode(body.dropFirst(ChangeLogCodec.prefix.count))
        }
        do {
            return try JSONDecoder().decode(ChangeLogEntry.self, from: Data(body.utf8))
        } catch {
            throw StoredValueError(description: "bad change log entry: \(error)")
        }
    }
}
