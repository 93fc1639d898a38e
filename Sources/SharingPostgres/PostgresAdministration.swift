import Logging
import PostgresNIO
import SharingSQL

/// Creating, emptying and dropping whole databases on a server (tests, first
/// setup). Each call opens one connection of its own (no pool) and closes it.
public enum PostgresAdministration {
    public struct NameError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `CREATE DATABASE name`, over a connection to the database the
    /// configuration names, which must exist. Names are limited to
    /// `[a-z0-9_]`, at most 63 bytes.
    public static func createDatabase(
        _ name: String, on server: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws {
        try check(name)
        try await run(["CREATE DATABASE \(name)"], on: server, logger: logger)
    }

    /// `DROP DATABASE IF EXISTS name`, closing any session still connected
    /// to it, over a connection to the database the configuration names.
    public static func dropDatabase(
        _ name: String, on server: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws {
        try check(name)
        try await run(["DROP DATABASE IF EXISTS \(name) WITH (FORCE)"], on: server, logger: logger)
    }

    /// `ALTER DATABASE name RENAME TO newName`, after ending every session
    /// connected to it (PostgreSQL waits a few seconds for them to go), over
    /// a connection to the database the configuration names. A client still
    /// holding the old name then cannot reach it again.
    public static func renameDatabase(
        _ name: String, to newName: String, on server: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws {
        try check(name)
        try check(newName)
        try await run(
            [
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)'",
                "ALTER DATABASE \(name) RENAME TO \(newName)",
            ], on: server, logger: logger)
    }

    /// Empties the database the configuration names, as `CREATE DATABASE`
    /// left it: ends every other session on it, then drops the schema
    /// `public` with everything in it (tables, sequences, the migration
    /// record) and creates it again. Far cheaper than a drop and a create,
    /// which copy and WAL-log the whole template (about 140 ms of server
    /// CPU per pair on the test machine, against about 10 ms).
    public static func emptyDatabase(
        _ database: PostgresStoreConfiguration, logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws {
        try await run(
            [
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                """,
                "DROP SCHEMA IF EXISTS public CASCADE",
                "CREATE SCHEMA public",
            ], on: database, logger: logger)
    }

    /// The names of the server's databases that start with `prefix`
    /// (`[a-z0-9_]`), over a connection to the database the configuration names.
    public static func databases(
        prefixed prefix: String, on server: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws -> [String] {
        try check(prefix)
        return try await withConnection(server, logger: logger) { connection in
            var names: [String] = []
            try await connection.forEach(
                SQLStatement(
                    "SELECT datname FROM pg_database WHERE starts_with(datname, ?) ORDER BY datname", [.text(prefix)]),
                logger: logger
            ) { names.append(try $0.text(0)) }
            return names
        }
    }

    private static func check(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 63,
            name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 })
        else {
            throw NameError(description: "database name \(name) must be 1-63 of [a-z0-9_]")
        }
    }

    /// Runs `statements` in order over one connection of their own.
    private static func run(
        _ statements: [String], on server: PostgresStoreConfiguration, logger: Logger
    ) async throws {
        try await withConnection(server, logger: logger) { connection in
            for sql in statements { try await connection.execute(SQLStatement(sql), logger: logger) }
        }
    }

    /// Runs `body` over one connection of its own (no pool), closed after it
    /// whether it returned or threw. A failure to connect throws the store's
    /// open error, which names the cause (refused, TLS, authentication).
    private static func withConnection<T>(
        _ server: PostgresStoreConfiguration, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await PostgresSharingStore.connect(server, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
