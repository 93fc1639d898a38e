import Foundation
import SharingPostgres

/// The throwaway PostgreSQL server `tools/test` starts (tools/postgres-test-server),
/// and a fresh database on it per test, so tests run in parallel.
public enum PostgresTestDatabase {
    public static let urlVariable = "SHAREWIRE_TEST_POSTGRES_URL"
    public static let requireVariable = "SHAREWIRE_REQUIRE_POSTGRES"
    /// Why a PostgreSQL test is skipped (cancelled) when no server is given.
    public static let skipReason = """
        PostgreSQL tests skipped: SHAREWIRE_TEST_POSTGRES_URL is unset \
        (tools/test starts a server with tools/postgres-test-server)
        """

    public struct Missing: Error, CustomStringConvertible {
        public let description =
            "SHAREWIRE_REQUIRE_POSTGRES=1 but SHAREWIRE_TEST_POSTGRES_URL is unset: "
            + "the PostgreSQL tests must not be skipped here"
    }

    /// The server's URL; `nil` when there is none and the test should be
    /// skipped; throws ``Missing`` when there is none but SHAREWIRE_REQUIRE_POSTGRES=1.
    public static func serverURL() throws -> String? {
        let env = ProcessInfo.processInfo.environment
        if let url = env[urlVariable], !url.isEmpty { return url }
        if env[requireVariable] == "1" { throw Missing() }
        return nil
    }

    /// Creates a database of its own on the server at `serverURL`, runs `body`
    /// with its URL, then drops it (also when `body` throws).
    public static func with<T>(serverURL: String, _ body: (_ url: String) async throws -> T) async throws -> T {
        let database = try await create(serverURL: serverURL)
        do {
            let result = try await body(database.url)
            try await database.drop()
            return result
        } catch {
            try? await database.drop()
            throw error
        }
    }

    /// A database of its own on a test server, for a test that holds it
    /// beyond one scope (a server harness); ``drop()`` removes it.
    public struct Database: Sendable {
        /// Its URL: the server's with the database's name as the path.
        public let url: String
        let name: String
        let server: PostgresStoreConfiguration

        /// Drops the database (its connections must be closed first).
        public func drop() async throws {
            try await PostgresAdministration.dropDatabase(name, on: server)
        }
    }

    /// Creates a database with a fresh name on the server at `serverURL`.
    public static func create(serverURL: String) async throws -> Database {
        let server = try PostgresStoreConfiguration(url: serverURL)
        let name = "sw_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await PostgresAdministration.createDatabase(name, on: server)
        let url =
            URL(string: serverURL).flatMap { URLComponents(url: $0, resolvingAgainstBaseURL: false) }
            .map { c -> String in
                var c = c
                c.path = "/" + name
                return c.string ?? serverURL
            } ?? serverURL
        return Database(url: url, name: name, server: server)
    }
}
