import Foundation
import GRDB
import Logging
import PostgresNIO
import SharewireTestSupport
import SharingDomain
import SharingSQL
import Testing

@testable import SharingPostgres
@testable import SharingStore

/// The two stores every store test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// Where one test keeps its store: a fresh temp directory or a fresh
/// PostgreSQL database; opened (and reopened) with ``open()``.
struct StoreSlot: Sendable {
    let kind: StoreKind
    /// The SQLite data directory, or the PostgreSQL database URL.
    let location: String

    func open() async throws -> any SharingStorage {
        switch kind {
        case .sqlite: try SharingStore(directory: location)
        case .postgres: try await PostgresSharingStore.open(try PostgresStoreConfiguration(url: location))
        }
    }

    /// Records, behind the store's back, that a migration newer than this
    /// binary knows was applied (as a later release would).
    func markSchemaNewer() async throws {
        switch kind {
        case .sqlite:
            let store = try SharingStore(directory: location)
            try await store.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999: from the future')")
            }
            try store.close()
        case .postgres:
            let store = try await PostgresSharingStore.open(try PostgresStoreConfiguration(url: location))
            try await store.client.withConnection { c in
                try await c.execute(
                    .init("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')"),
                    logger: store.logger)
            }
            try await store.close()
        }
    }

    /// Creates a database at schema version 1 only (as a release before
    /// named consumer cursors left it), with the old single outbox cursor
    /// in `meta` at `acknowledged`, and the `rows` inserted (version-1 SQL).
    func createVersion1(acknowledged: UInt64, rows: [String] = []) async throws {
        let cursor = "INSERT INTO meta (key, value) VALUES ('notifications_acked', \(acknowledged))"
        switch kind {
        case .sqlite:
            try FileManager.default.createDirectory(atPath: location, withIntermediateDirectories: true)
            let queue = try DatabaseQueue(path: location + "/sharewire.sqlite")
            var v1 = DatabaseMigrator()
            v1.registerMigration("v1: sharing tables") { db in
                for statement in SharingSchema.v1(.sqlite) { try db.execute(sql: statement) }
            }
            try v1.migrate(queue)
            try await queue.write { db in
                for sql in [cursor] + rows { try db.execute(sql: sql) }
            }
            try queue.close()
        case .postgres:
            var config = try PostgresStoreConfiguration(url: location)
            config.poolSize = 1
            let logger = Logger(label: "test")
            let client = PostgresClient(configuration: try config.clientConfiguration, backgroundLogger: logger)
            let running = await PostgresSharingStore.startRunning(client)
            defer { running.cancel() }
            try await client.withConnection { c in
                try await c.execute(PostgresSchema.createVersionTable, logger: logger)
                for sql in SharingSchema.v1(.postgres) + [cursor] + rows {
                    try await c.execute(SQLStatement(sql), logger: logger)
                }
                try await c.execute(
                    SQLStatement("INSERT INTO schema_migrations (version, name) VALUES (1, 'sharing tables')"),
                    logger: logger)
            }
        }
    }
}

/// A fresh temporary data directory, removed at the end.
func withDataDir(_ body: (String) async throws -> Void) async throws {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("sharewire-store-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try await body(dir)
}

/// Runs `body` with a fresh slot of `kind`, removed at the end. PostgreSQL
/// without a server is skipped with the reason, or fails when
/// SHAREWIRE_REQUIRE_POSTGRES=1.
func withStore(_ kind: StoreKind, _ body: (StoreSlot) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        try await withDataDir { try await body(StoreSlot(kind: .sqlite, location: $0)) }
    case .postgres:
        guard let server = try PostgresTestDatabase.serverURL() else {
            try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
        }
        try await PostgresTestDatabase.with(serverURL: server) {
            try await body(StoreSlot(kind: .postgres, location: $0))
        }
    }
}

/// Accounts a, b and c created through `writer`, with b and c in a's
/// contacts: where several store tests start.
func ownerWithTwoContacts(_ writer: SharingWriter) async throws -> (a: Account, b: Account, c: Account) {
    var made: [Account] = []
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        let (result, _) = try await writer.createAccount(email: email, language: .en)
        guard case let .account(account) = result.outcome else { throw TestSetupError("\(email): \(result.outcome)") }
        made.append(account)
    }
    for email in ["b@example.com", "c@example.com"] {
        _ = try await writer.submit(.createContact(email: email, fields: ContactFields()), actor: made[0].id)
    }
    return (made[0], made[1], made[2])
}

/// Device "pi" of `owner` with ssh on 22/tcp and web on 80/http, registered
/// through `writer`: the device several store tests share.
func registerPi(_ writer: SharingWriter, owner: AccountID) async throws -> Device {
    let result = try await writer.submit(
        .registerDevice(
            name: "pi",
            services: [
                ServiceSpec(name: "ssh", port: 22, protocol: "tcp"),
                ServiceSpec(name: "web", port: 80, protocol: "http"),
            ]), actor: owner)
    guard case let .device(device) = result.outcome else { throw TestSetupError("pi: \(result.outcome)") }
    return device
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
