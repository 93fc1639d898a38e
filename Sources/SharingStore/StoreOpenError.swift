/// Why the store refused to open a data directory. Each message names the
/// directory, the problem and what to do; `sharewired` prints it and exits.
///
/// The store refuses rather than start empty whenever the directory holds
/// Sharewire database files but no valid database: SQLite would happily
/// create a new, empty one, and acknowledged data would look lost and then be
/// overwritten.
public enum StoreOpenError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The database file is missing, but its `-wal` or `-shm` file is there
    /// (the names of those leftovers).
    case databaseFileMissing(directory: String, leftovers: [String])
    /// The database file is 0 bytes; `walBytes` is the size of its `-wal`
    /// file (0 when absent), which may hold every committed write.
    case databaseFileEmpty(directory: String, walBytes: UInt64)
    /// SQLite cannot read the file as a database.
    case notADatabase(directory: String, reason: String)
    /// The file is an SQLite database with tables, but none of Sharewire's
    /// migrations were ever applied to it.
    case notASharewireDatabase(directory: String)
    /// The database can be read but not written (read-only file, directory or
    /// mount, or a file owned by another user).
    case notWritable(directory: String, reason: String)
    /// The file was migrated by a newer `sharewired`: `version` is the newest
    /// schema version found (nil if an applied migration has no `vN:` prefix),
    /// `knownUpTo` the newest this binary knows, `unknown` the applied
    /// migrations it does not know.
    case newerSchema(directory: String, version: Int?, knownUpTo: Int, unknown: [String])
    /// A pragma the durability promise rests on does not read back as required.
    case pragma(directory: String, reason: String)

    public var description: String {
        let file = SharingStore.fileName
        switch self {
        case let .databaseFileMissing(directory, leftovers):
            return "data dir \(directory) holds \(leftovers.joined(separator: " and ")) but not \(file): "
                + "the database file was deleted or moved, and starting would replace the data with an empty "
                + "database. Put \(file) back or restore it from a backup; to really start empty, move the "
                + "whole data dir away"
        case let .databaseFileEmpty(directory, walBytes):
            let wal = walBytes > 0 ? " while \(file)-wal holds \(walBytes) bytes of it" : ""
            return "data dir \(directory): \(file) is empty (0 bytes)\(wal): the database file was truncated, "
                + "and starting would replace the data with an empty database. Restore \(file) from a backup; "
                + "to really start empty, move the whole data dir away"
        case let .notADatabase(directory, reason):
            return "data dir \(directory): \(file) is not a readable SQLite database (\(reason)). "
                + "Restore it from a backup"
        case let .notASharewireDatabase(directory):
            return "data dir \(directory): \(file) is an SQLite database that Sharewire never created "
                + "(it has tables but no Sharewire migrations). Use another --data-dir"
        case let .notWritable(directory, reason):
            return "data dir \(directory): the database is not writable (\(reason)). sharewired must be able "
                + "to write \(file), \(file)-wal and \(file)-shm: fix the permissions or the mount, or run it as "
                + "the owner of the data dir"
        case let .newerSchema(directory, version, knownUpTo, unknown):
            let found =
                version.map { "database schema version \($0) is newer than this sharewired" }
                ?? "the database has migrations this sharewired does not know (\(unknown.joined(separator: ", ")))"
            return "data dir \(directory): \(found) (knows up to \(knownUpTo)); a newer sharewired wrote it. "
                + "Run that version, or restore a backup made by this one"
        case let .pragma(directory, reason):
            return "data dir \(directory): \(reason)"
        }
    }
}
