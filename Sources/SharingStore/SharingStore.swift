import Foundation
import GRDB
import SharingDomain

/// Why the store refused to open.
public struct StoreOpenError: Error, CustomStringConvertible {
    public let description: String
}

/// Embedded SQLite persistence for the sharing service, at
/// `<dataDir>/sharewire.sqlite`.
///
/// - WAL journal, `synchronous=FULL` (an acknowledged write survives power
///   loss), foreign keys on. `synchronous` is set after opening and read back:
///   GRDB's `DatabasePool` sets it to NORMAL after `prepareDatabase` runs
///   (DESIGN §6), so setting it there would silently not stick.
/// - Schema by `DatabaseMigrator`; opening an up-to-date file migrates nothing.
/// - `DatabasePool`: the single writer connection commits batches while reader
///   connections serve event and outbox listings concurrently.
public final class SharingStore: SharingPersistence, SharingEventLog, Sendable {
    /// The database file name inside the data directory.
    public static let fileName = "sharewire.sqlite"

    /// The database. Exposed for diagnostics and tests.
    public let pool: DatabasePool
    /// The database file path.
    public let path: String

    /// Opens (creating if needed) the store in `directory`.
    ///
    /// - Throws: ``StoreOpenError`` if the pragmas do not read back as required,
    ///   or GRDB's error if the file cannot be opened or migrated.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent(Self.fileName)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.label = "sharewire"
        // Writers wait instead of failing if an outside process holds the lock briefly.
        config.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: config)
        try StoreSchema.refuseNewer(pool)
        try StoreSchema.migrator.migrate(pool)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try verifyPragmas()
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
            Pragmas(synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                    journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                    foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false)
        }
    }

    private func verifyPragmas() throws {
        let p = try pragmas()
        guard p.synchronous == 2 else {
            throw StoreOpenError(description: "PRAGMA synchronous reads \(p.synchronous), expected 2 (FULL)")
        }
        guard p.journalMode.lowercased() == "wal" else {
            throw StoreOpenError(description: "PRAGMA journal_mode reads \(p.journalMode), expected wal")
        }
        guard p.foreignKeys else { throw StoreOpenError(description: "PRAGMA foreign_keys is off") }
    }

    /// The migrations applied to the file, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try StoreSchema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Closes the database. Further use throws.
    public func close() throws { try pool.close() }
}
