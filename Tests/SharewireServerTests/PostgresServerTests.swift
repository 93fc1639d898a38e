import Foundation
import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import Testing

/// The real `sharewired --store postgres://…` binary: a write, SIGTERM, two
/// restarts on the same database (URL from --store-file, then from
/// SHAREWIRE_STORE), and the write read back each time. Skipped without a
/// PostgreSQL server (fails instead when SHAREWIRE_REQUIRE_POSTGRES=1).
@Suite(.timeLimit(.minutes(3)))
struct PostgresServerTests {
    static let secret = "postgres-service-key-9c1e4a7b2d5f8e0a3c6b"

    func client(port: Int) -> RPCClient {
        var config = ClientConfiguration(host: "127.0.0.1", port: port)
        config.defaultTimeout = .seconds(20)
        var logger = Logger(label: "test.postgres.client")
        logger.logLevel = .critical
        return RPCClient(configuration: config, logger: logger)
    }

    @Test func aWriteSurvivesARestartOnPostgres() async throws {
        guard let server = try PostgresTestDatabase.serverURL() else {
            try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
        }
        let dir = try TempDirectory("sharewired-postgres")
        defer { dir.remove() }
        try await PostgresTestDatabase.with(serverURL: server) { url in
            // First life: --store on the command line.
            let first = try await ServerProcess(arguments: ["--store", url],
                                                environment: ["SHAREWIRE_SERVICE_KEY": Self.secret],
                                                logTo: dir.file("first.log"))
            defer { first.killIfRunning() }
            let c1 = client(port: first.port)
            let service = [MetadataEntry(key: "authorization", value: "Bearer \(Self.secret)")]
            let owner: CreateAccountResponse = try await c1.unary(
                Sharewire_V1.AccountService.Method.CreateAccount.descriptor, CreateAccountRequest(email: "owner@example.com"), metadata: service)
            let auth = [MetadataEntry(key: "authorization", value: "Bearer \(owner.apiKey)")]
            let created: CreateContactResponse = try await c1.unary(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "friend@example.com"), metadata: auth)
            c1.close()
            #expect(try await first.stop(signal: SIGTERM) == 0)
            #expect(first.log.contains("PostgreSQL store: run ONE sharewired per database"))

            // Then from --store-file and from SHAREWIRE_STORE, so the URL is not in ps.
            let file = dir.file("store-url")
            try (url + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let lives: [(arguments: [String], environment: [String: String])] = [
                (["--store-file", file], [:]), ([], ["SHAREWIRE_STORE": url]),
            ]
            for (life, (arguments, environment)) in lives.enumerated() {
                let next = try await ServerProcess(arguments: arguments,
                                                   environment: environment.merging(["SHAREWIRE_SERVICE_KEY": Self.secret]) { a, _ in a },
                                                   logTo: dir.file("life\(life + 2).log"))
                defer { next.killIfRunning() }
                let c = client(port: next.port)
                let page: ListContactsResponse = try await c.unary(
                    Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(pageSize: 10, pageToken: "", minRevision: created.revision),
                    metadata: auth)
                c.close()
                #expect(page.contacts.map(\.email) == ["friend@example.com"])
                #expect(page.revision == created.revision)
                #expect(try await next.stop(signal: SIGTERM) == 0)
            }
        }
    }
}
