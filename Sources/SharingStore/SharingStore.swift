import Foundation
import GRDB
import SharingDomain

/// Embedded SQLite persistence for the sharing service, at
/// `<dataDir>/sharewire.sqlite`.
///
/// - WAL journal, `synchronous=FULL` (an acknowledged write survives power
///   loss), foreign keys on. `synchronous` is set after opening and read back:
///   GRDB's `DatabasePool` sets it to NORMAL after `prepareDatabase` runs, so
///   setting it there would silently not stick.
/// - Schema by `DatabaseMigrator`; opening an up-to-date file migrates nothing.
/// - Never silently starts empty: a directory holding Sharewire's database
///   files but no valid, writable database of a schema this binary knows is
///   refused with a ``StoreOpenError`` (docs/SERVER.md, "Data directory").
/// - ``close()`` checkpoints the WAL into the main file first.
/// - `DatabasePool`: the single writer connection commits batches while reader
///   connections serve event and outbox listings concurrently.
public final class SharingStore: SharingPersistence, SharingEventLog, Sendable {
    /// The database file name inside the data directory.
    public static let fileName = "sharewire.sqlite"

    /// The database. Exposed for diagnostics and tests.
    public let pool: DatabasePool
    /// The database file path.
    public let path: String

    /// Opens the store in `directory`, creating the directory and a new
    /// database only when the directory holds none of the database files.
    ///
    /// - Throws: ``StoreOpenError`` if the files are damaged (missing or empty
    ///   main file next to a WAL, not a database), not writable, of a newer
    ///   schema, or if the pragmas do not read back as required; GRDB's error
    ///   if the file cannot be opened or migrated.
    public convenience init(directory: String) throws {
        try self.init(directory: directory, probe: .readWrite)
    }

    /// `probe` lets tests simulate a database SQLite can only open read-only.
    init(directory: String, probe: DataDirectoryCheck.ProbeMode) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent(Self.fileName)
        try DataDirectoryCheck.check(directory: directory, path: path, probe: probe)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.label = "sharewire"
        // Writers wait instead of failing if an outside process holds the lock briefly.
        config.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: config)
        do {
            try pool.read { db in
                try DataDirectoryCheck.checkSchema(db, directory: directory, migrator: StoreSchema.migrator)
            }
            try StoreSchema.migrator.migrate(pool)
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try verifyPragmas(directory: directory)
        } catch {
            try? pool.close()
            throw error
        }
    }

    /// The pragmas the durability promise rests on, read back from the writer connection.
    public struct Pragmas: Sendable, Equatable {
        /// 2 means FULL.
        public let synchronous: Int
        public let journalMode: String
        public let foreignKeys: Bool
    }

    /// Reads the pragmas back from the writer connection.
    public func pragmas() throws -> Pragmas {
        try pool.writeWithoutTransaction { db in
            Pragmas(
                synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false)
        }
    }

    private func verifyPragmas(directory: String) throws {
        let p = try pragmas()
        guard p.synchronous == 2 else {
            throw StoreOpenError.pragma(
                directory: directory, reason: "PRAGMA synchronous reads \(p.synchronous), expected 2 (FULL)")
        }
        guard p.journalMode.lowercased() == "wal" else {
            throw StoreOpenError.pragma(
                directory: directory, reason: "PRAGMA journal_mode reads \(p.journalMode), expected wal")
        }
        guard p.foreignKeys else {
            throw StoreOpenError.pragma(directory: directory, reason: "PRAGMA foreign_keys is off")
        }
    }

    /// The migrations applied to the file, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try StoreSchema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Copies every committed page from the WAL into the main file and
    /// truncates the WAL to 0 bytes (`PRAGMA wal_checkpoint(TRUNCATE)`), so the
    /// main file alone holds the data. Throws (SQLITE_BUSY) if a reader keeps
    /// it from finishing.
    public func checkpoint() throws {
        _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// Checkpoints the WAL into the main file (``checkpoint()``), then closes
    /// the database. Closes even if the checkpoint fails (the WAL still holds
    /// every commit), and then throws that error. Further use throws.
    public func close() throws {
        var failure: (any Error)?
        do { try checkpoint() } catch { failure = error }
        try pool.close()
        if let failure { throw failure }
    }
}
