import Foundation
import GRDB
import GRDBSQLite

/// The checks made before GRDB opens the database: GRDB always opens with
/// `SQLITE_OPEN_CREATE`, and SQLite treats a missing or 0-byte main file as a
/// new, empty database, so damage must be caught before that.
enum DataDirectoryCheck {
    /// How the probe connection opens an existing file.
    enum ProbeMode: Sendable {
        /// `SQLITE_OPEN_READWRITE` (never `CREATE`): what the server does.
        case readWrite
        /// `SQLITE_OPEN_READONLY`, so SQLite reports the database read-only
        /// exactly as it does for a file, directory or mount the process may not
        /// write. Tests use it because they may run as root, which ignores file
        /// permissions (a `chmod 0555` data dir stays writable for root).
        case simulateReadOnly
    }

    /// Passes when `directory` holds none of Sharewire's database files (a
    /// fresh start) or a database file that SQLite reads and may write.
    static func check(directory: String, path: String, probe: ProbeMode) throws {
        let main = size(of: path)
        let leftovers = ["-wal", "-shm"].filter { size(of: path + $0) != nil }.map { SharingStore.fileName + $0 }
        guard let main else {
            if leftovers.isEmpty { return }
            throw StoreOpenError.databaseFileMissing(directory: directory, leftovers: leftovers)
        }
        guard main > 0 else {
            throw StoreOpenError.databaseFileEmpty(directory: directory, walBytes: size(of: path + "-wal") ?? 0)
        }
        try probeFile(directory: directory, path: path, mode: probe)
    }

    /// The file's size, nil if it does not exist.
    private static func size(of path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_size)
    }

    /// Opens the file without `CREATE`, reads the schema (this also recovers a
    /// WAL left by a crash) and takes the write lock once.
    private static func probeFile(directory: String, path: String, mode: ProbeMode) throws {
        var handle: OpaquePointer?
        let flags = mode == .readWrite ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY
        let opened = sqlite3_open_v2(path, &handle, flags, nil)
        defer { sqlite3_close_v2(handle) }
        guard opened == SQLITE_OK, let db = handle else {
            throw StoreOpenError.notADatabase(directory: directory, reason: message(handle, opened))
        }
        sqlite3_busy_timeout(db, 5000)
        let readOnly = { (reason: String) in StoreOpenError.notWritable(directory: directory, reason: reason) }
        if let (code, text) = execute(db, "SELECT count(*) FROM sqlite_master") {
            // Recovering a WAL needs write access to the -shm file.
            if code & 0xff == SQLITE_READONLY || !writable(directory: directory, path: path) { throw readOnly(text) }
            throw StoreOpenError.notADatabase(directory: directory, reason: text)
        }
        if sqlite3_db_readonly(db, "main") == 1 {
            throw readOnly("SQLite could open \(SharingStore.fileName) only for reading")
        }
        if let (_, text) = execute(db, "BEGIN IMMEDIATE; ROLLBACK") { throw readOnly(text) }
    }

    /// Runs `sql`; the extended result code and message if it failed.
    private static func execute(_ db: OpaquePointer, _ sql: String) -> (Int32, String)? {
        let code = sqlite3_exec(db, sql, nil, nil, nil)
        return code == SQLITE_OK ? nil : (sqlite3_extended_errcode(db), message(db, code))
    }

    private static func message(_ db: OpaquePointer?, _ code: Int32) -> String {
        if let db, let text = sqlite3_errmsg(db) { return String(cString: text) }
        return String(cString: sqlite3_errstr(code))
    }

    private static func writable(directory: String, path: String) -> Bool {
        access(directory, W_OK) == 0 && access(path, W_OK) == 0
    }

    /// Refuses a file that Sharewire did not create, or that a newer
    /// `sharewired` migrated. Runs before any migration.
    static func checkSchema(_ db: Database, directory: String, migrator: DatabaseMigrator) throws {
        let applied = try migrator.appliedIdentifiers(db)
        if applied.isEmpty {
            let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
            if tables > 0 { throw StoreOpenError.notASharewireDatabase(directory: directory) }
            return
        }
        let known = migrator.migrations
        let unknown = applied.filter { !known.contains($0) }.sorted()
        guard !unknown.isEmpty else { return }
        let knownUpTo = known.compactMap(StoreSchema.version(of:)).max() ?? 0
        let versions = unknown.map(StoreSchema.version(of:))
        // A number only when every unknown migration has one past the known ones.
        let newest = versions.contains(nil) ? nil : versions.compactMap { $0 }.min()
        let version = newest.map { $0 > knownUpTo } == true ? versions.compactMap { $0 }.max() : nil
        throw StoreOpenError.newerSchema(directory: directory, version: version, knownUpTo: knownUpTo, unknown: unknown)
    }
}
