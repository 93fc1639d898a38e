import Logging
import PostgresNIO
import SharingSQL

/// Creating and dropping whole databases on a server (tests, first setup).
/// Connects to the database the configuration names, which must exist.
public enum PostgresAdministration {
    public struct NameError: Error, CustomStringConvertible {
        public let description: String
    }

    /// `CREATE DATABASE name`. Names are limited to `[a-z0-9_]`, at most 63 bytes.
    public static func createDatabase(
        _ name: String, on server: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws {
        try check(name)
        try await run("CREATE DATABASE \(name)", on: server, logger: logger)
    }

    /// `DROP DATABASE IF EXISTS name`, closing any session still connected to it.
    public static func dropDatabase(
        _ name: String, on server: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "sharewire.postgres")
    ) async throws {
        try check(name)
        try await run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server, logger: logger)
    }

    private static func check(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 63,
            name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 })
        else {
            throw NameError(description: "database name \(name) must be 1-63 of [a-z0-9_]")
        }
    }

    private static func run(_ sql: String, on server: PostgresStoreConfiguration, logger: Logger) async throws {
        var config = server
        config.poolSize = 1
        try await PostgresSharingStore.probe(config, logger: logger)
        let client = PostgresClient(configuration: try config.clientConfiguration, backgroundLogger: logger)
        let running = await PostgresSharingStore.startRunning(client)
        defer { running.cancel() }
        try await client.withConnection { try await $0.execute(SQLStatement(sql), logger: logger) }
    }
}
