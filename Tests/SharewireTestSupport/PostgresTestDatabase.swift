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

    /// Lends a database of its own on the server at `serverURL`, runs `body`
    /// with its URL, then gives it back emptied (also when `body` throws).
    public static func with<T>(serverURL: String, _ body: (_ url: String) async throws -> T) async throws -> T {
        let database = try await create(serverURL: serverURL)
        do {
            let result = try await body(database.url)
            try await database.release()
            return result
        } catch {
            try? await database.release()
            throw error
        }
    }

    /// A database of its own on a test server, for a test that holds it
    /// beyond one scope (a server harness); ``release()`` gives it back.
    public struct Database: Sendable {
        /// Its URL: the server's with the database's name as the path.
        public let url: String
        let name: String
        let serverURL: String

        /// Ends the sessions still connected to it, empties it, and gives it
        /// back, under a new name, for the next test; a database that cannot
        /// be emptied is dropped, and one the test dropped itself is forgotten.
        public func release() async throws {
            try await DatabasePool.shared.release(self)
        }
    }

    /// Lends an empty database (as `CREATE DATABASE` makes one) on the
    /// server at `serverURL`: one that an earlier test of this process gave
    /// back, or a new one.
    public static func create(serverURL: String) async throws -> Database {
        try await DatabasePool.shared.acquire(serverURL: serverURL)
    }
}

/// The test process's databases on each test server, reused from test to
/// test: `CREATE DATABASE` and `DROP DATABASE` copy and WAL-log the whole
/// template, about 140 ms of server CPU per pair here, and a full pass made
/// 68 of them (2026-12-07); emptying one for the next test costs about 10 ms.
/// A database given back is emptied and then renamed, so that whatever the
/// last test left running (a pool that reconnects, say) can no more reach
/// it than a dropped one.
///
/// They are named `sw_test_pool_<host>_<pid>_<n>`. Nothing drops them when
/// the process ends (tools/test's server goes with them); the first lend
/// on a server drops those of this host's processes that no longer run, so
/// a long-lived server given in SHAREWIRE_TEST_POSTGRES_URL keeps at most
/// one pool per running test process.
actor DatabasePool {
    static let shared = DatabasePool()

    private var free: [String: [PostgresTestDatabase.Database]] = [:]
    /// The names of the databases lent out now: a second release of one
    /// (a harness stopped twice) must not put it in `free` twice.
    private var lent: Set<String> = []
    private var swept: Set<String> = []
    private var made = 0
    private let host: String
    private let prefix: String

    init() {
        // A short hash of the host name keeps other machines' pools on a shared server out of the sweep.
        var name = [CChar](repeating: 0, count: 256)
        _ = gethostname(&name, name.count - 1)
        var hash: UInt32 = 2_166_136_261
        for byte in name.prefix(while: { $0 != 0 }).map({ UInt8(bitPattern: $0) }) {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        host = String(hash, radix: 16)
        prefix = "sw_test_pool_\(host)_\(getpid())_"
    }

    func acquire(serverURL: String) async throws -> PostgresTestDatabase.Database {
        if let database = free[serverURL]?.popLast() {
            lent.insert(database.name)
            return database
        }
        let server = try PostgresStoreConfiguration(url: serverURL)
        if swept.insert(serverURL).inserted { await sweepLeftovers(on: server) }
        let name = newName()
        try await PostgresAdministration.createDatabase(name, on: server)
        lent.insert(name)
        return Self.database(name, on: serverURL)
    }

    private func newName() -> String {
        made += 1
        return prefix + String(made)
    }

    /// The database `name` on the server at `serverURL`: the URL with `name` as its path.
    private static func database(_ name: String, on serverURL: String) -> PostgresTestDatabase.Database {
        let url =
            URL(string: serverURL).flatMap { URLComponents(url: $0, resolvingAgainstBaseURL: false) }
            .map { c -> String in
                var c = c
                c.path = "/" + name
                return c.string ?? serverURL
            } ?? serverURL
        return PostgresTestDatabase.Database(url: url, name: name, serverURL: serverURL)
    }

    func release(_ database: PostgresTestDatabase.Database) async throws {
        guard lent.remove(database.name) != nil else { return }
        let server = try PostgresStoreConfiguration(url: database.serverURL)
        let renamed = newName()
        do {
            try await PostgresAdministration.emptyDatabase(try PostgresStoreConfiguration(url: database.url))
            try await PostgresAdministration.renameDatabase(database.name, to: renamed, on: server)
        } catch {
            // A test that dropped its database itself (an outage test) gives nothing back.
            if let names = try? await PostgresAdministration.databases(prefixed: database.name, on: server),
                !names.contains(database.name)
            {
                return
            }
            try? await PostgresAdministration.dropDatabase(database.name, on: server)
            throw error
        }
        free[database.serverURL, default: []].append(Self.database(renamed, on: database.serverURL))
    }

    /// Drops the pools of this host's test processes that have ended.
    private func sweepLeftovers(on server: PostgresStoreConfiguration) async {
        let mine = "sw_test_pool_\(host)_"
        guard let names = try? await PostgresAdministration.databases(prefixed: mine, on: server) else { return }
        for name in names {
            guard let pid = Int32(name.dropFirst(mine.count).prefix { $0 != "_" }), pid != getpid(),
                kill(pid, 0) == -1, errno == ESRCH
            else { continue }
            try? await PostgresAdministration.dropDatabase(name, on: server)
        }
    }
}
