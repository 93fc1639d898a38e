import Foundation
import GRDB
import SharingDomain
import Testing

@testable import SharingStore

/// A data directory that holds Sharewire's files but no valid, writable
/// database of a known schema is refused, never replaced by an empty one.
@Suite struct DataDirectoryTests {
    static let file = SharingStore.fileName

    /// A store in `dir` holding one account, left open.
    static func storeWithAnAccount(in dir: String) async throws -> SharingStore {
        let store = try SharingStore(directory: dir)
        let writer = try await SharingWriter.open(persistence: store)
        _ = try await writer.createAccount(email: "kept@example.com", language: .en)
        return store
    }

    /// What a crash leaves: the files copied while the store is open, so the
    /// committed data is in the `-wal` and the main file has only its first page.
    static func crashImage(from source: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] {
            try FileManager.default.copyItem(atPath: "\(source)/\(file)\(suffix)", toPath: "\(target)/\(file)\(suffix)")
        }
    }

    /// Runs `body` with a crash image (`<dir>/crashed`) of a store that holds
    /// one account and is still open (`<dir>/live`).
    static func withCrashImage(_ body: (_ dir: String, _ crashed: String) async throws -> Void) async throws {
        try await withDataDir { dir in
            let store = try await storeWithAnAccount(in: dir + "/live")
            defer { try? store.close() }
            try crashImage(from: dir + "/live", to: dir + "/crashed")
            try await body(dir, dir + "/crashed")
        }
    }

    static func size(_ path: String) -> UInt64? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64
    }

    static func truncate(_ path: String) throws {
        try FileHandle(forWritingTo: URL(fileURLWithPath: path)).truncate(atOffset: 0)
    }

    /// Opening `dir` throws a ``StoreOpenError`` whose message holds every one of `phrases`.
    static func expectRefused(_ dir: String, _ phrases: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: StoreOpenError.self, sourceLocation: sourceLocation) {
            _ = try SharingStore(directory: dir)
        }
        for phrase in phrases {
            #expect(
                error?.description.contains(phrase) == true, "\(String(describing: error)) lacks \(phrase)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func mainFileTruncatedWhileTheWALHoldsTheDataIsRefused() async throws {
        try await Self.withCrashImage { dir, crashed in
            // The crash image is intact as it is: the account is in the WAL.
            let intact = dir + "/intact"
            try Self.crashImage(from: dir + "/live", to: intact)
            let reopened = try SharingStore(directory: intact)
            #expect(try await reopened.loadState(limits: Limits()).accountCount == 1)
            try reopened.close()

            try Self.truncate("\(crashed)/\(Self.file)")
            let wal = try #require(Self.size("\(crashed)/\(Self.file)-wal"))
            #expect(wal > 0)
            Self.expectRefused(crashed, ["data dir \(crashed)", "is empty (0 bytes)", "\(wal) bytes", "backup"])
            // Nothing was touched: the WAL still holds the data, the main file is still empty.
            #expect(Self.size("\(crashed)/\(Self.file)-wal") == wal)
            #expect(Self.size("\(crashed)/\(Self.file)") == 0)
        }
    }

    @Test func mainFileDeletedWithItsWALAndSHMLeftIsRefused() async throws {
        try await Self.withCrashImage { _, crashed in
            try FileManager.default.removeItem(atPath: "\(crashed)/\(Self.file)")
            Self.expectRefused(crashed, ["data dir \(crashed)", "\(Self.file)-wal", "but not \(Self.file)"])
            #expect(!FileManager.default.fileExists(atPath: "\(crashed)/\(Self.file)"))  // no new empty database
        }
    }

    @Test func emptyMainFileAfterACheckpointIsRefused() async throws {
        try await withDataDir { dir in
            let store = try await Self.storeWithAnAccount(in: dir)
            try store.close()
            // An offline checkpoint: the WAL is folded into the main file and gone.
            let queue = try DatabaseQueue(path: "\(dir)/\(Self.file)")
            _ = try await queue.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try queue.close()
            try Self.truncate("\(dir)/\(Self.file)")
            Self.expectRefused(dir, ["data dir \(dir)", "is empty (0 bytes)"])
        }
    }

    @Test func closeCheckpointsTheWALIntoTheMainFile() async throws {
        try await withDataDir { dir in
            let store = try await Self.storeWithAnAccount(in: dir + "/live")
            #expect((Self.size("\(dir)/live/\(Self.file)-wal") ?? 0) > 0)
            try store.close()
            #expect((Self.size("\(dir)/live/\(Self.file)-wal") ?? 0) == 0)
            // The main file alone holds the data.
            try FileManager.default.createDirectory(atPath: dir + "/copy", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(dir)/live/\(Self.file)", toPath: "\(dir)/copy/\(Self.file)")
            let copy = try SharingStore(directory: dir + "/copy")
            #expect(try await copy.loadState(limits: Limits()).accountCount == 1)
            try copy.close()
        }
    }

    @Test func newerSchemaIsRefusedBeforeAnyWrite() async throws {
        try await withDataDir { dir in
            try await Self.storeWithAnAccount(in: dir).close()
            // What a newer sharewired would have done: a v9 migration adding a NOT NULL column.
            let queue = try DatabaseQueue(path: "\(dir)/\(Self.file)")
            try await queue.write { db in
                try db.execute(sql: "ALTER TABLE devices ADD COLUMN kind TEXT NOT NULL DEFAULT 'pi'")
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: device kinds')")
            }
            try queue.close()
            Self.expectRefused(
                dir,
                [
                    "data dir \(dir)",
                    "database schema version 9 is newer than this sharewired (knows up to 8)",
                ])
            // An unknown migration without a version number is refused too.
            let renamed = try DatabaseQueue(path: "\(dir)/\(Self.file)")
            try await renamed.write { db in
                try db.execute(
                    sql: "UPDATE grdb_migrations SET identifier = 'device kinds' WHERE identifier LIKE 'v9%'")
            }
            try renamed.close()
            Self.expectRefused(dir, ["migrations this sharewired does not know (device kinds)", "knows up to 8"])
        }
    }

    @Test func aFileThatIsNotASharewireDatabaseIsRefused() async throws {
        try await withDataDir { dir in
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: "\(dir)/\(Self.file)"))
            Self.expectRefused(dir, ["data dir \(dir)", "not a readable SQLite database"])

            try FileManager.default.removeItem(atPath: "\(dir)/\(Self.file)")
            let other = try DatabaseQueue(path: "\(dir)/\(Self.file)")
            try await other.write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT)") }
            try other.close()
            Self.expectRefused(dir, ["data dir \(dir)", "Sharewire never created"])
        }
    }

    /// Root ignores file permissions, so a `chmod`ed directory would stay
    /// writable when the tests run as root (CI does): the probe opens the file
    /// `SQLITE_OPEN_READONLY` instead, which SQLite reports exactly as a file it
    /// may not write. The end-to-end test in SharewireServerTests runs the real
    /// binary as an unprivileged user on a `chmod a-w` directory.
    @Test func aDatabaseSQLiteCanOnlyReadIsRefused() async throws {
        try await Self.withCrashImage { _, crashed in  // its WAL needs recovery
            let error = #expect(throws: StoreOpenError.self) {
                _ = try SharingStore(directory: crashed, probe: .simulateReadOnly)
            }
            #expect(
                error?.description.contains("data dir \(crashed): the database is not writable") == true,
                "\(String(describing: error))")
        }
    }

    @Test func anEmptyOrMissingDirectoryStartsFresh() async throws {
        try await withDataDir { dir in
            try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
            // A service key file is not a database file.
            try "key\n".write(toFile: dir + "/empty/service.key", atomically: true, encoding: .utf8)
            for path in [dir + "/empty", dir + "/missing/nested"] {
                let store = try SharingStore(directory: path)
                #expect(try await store.loadState(limits: Limits()).revision == 0)
                try store.close()
                let again = try SharingStore(directory: path)  // and reopens
                try again.close()
            }
        }
    }
}
