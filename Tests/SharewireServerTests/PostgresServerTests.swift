import Foundation
import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingPostgres
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
            let first = try await ServerProcess(
                arguments: ["--store", url],
                environment: ["SHAREWIRE_SERVICE_KEY": Self.secret],
                logTo: dir.file("first.log"))
            defer { first.killIfRunning() }
            let c1 = client(port: first.port)
            let service = [MetadataEntry(key: "authorization", value: "Bearer \(Self.secret)")]
            let owner: CreateAccountResponse = try await c1.unary(
                Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
                CreateAccountRequest(email: "owner@example.com"), metadata: service)
            let auth = [MetadataEntry(key: "authorization", value: "Bearer \(owner.apiKey)")]
            let created: CreateContactResponse = try await c1.unary(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "friend@example.com"),
                metadata: auth)
            c1.close()
            #expect(try await first.stop(signal: SIGTERM) == 0)

            // Then from --store-file and from SHAREWIRE_STORE, so the URL is not in ps.
            let file = dir.file("store-url")
            try (url + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let lives: [(arguments: [String], environment: [String: String])] = [
                (["--store-file", file], [:]), ([], ["SHAREWIRE_STORE": url]),
            ]
            for (life, (arguments, environment)) in lives.enumerated() {
                let next = try await ServerProcess(
                    arguments: arguments,
                    environment: environment.merging(["SHAREWIRE_SERVICE_KEY": Self.secret]) { a, _ in a },
                    logTo: dir.file("life\(life + 2).log"))
                defer { next.killIfRunning() }
                let c = client(port: next.port)
                let page: ListContactsResponse = try await c.unary(
                    Sharewire_V1.ContactService.Method.List.descriptor,
                    ListContactsRequest(pageSize: 10, pageToken: "", minRevision: created.revision),
                    metadata: auth)
                c.close()
                #expect(page.contacts.map(\.email) == ["friend@example.com"])
                #expect(page.revision == created.revision)
                #expect(try await next.stop(signal: SIGTERM) == 0)
            }
        }
    }

    /// `sharewired migrate` (schema only, then exit; idempotent), then two
    /// real `sharewired` processes on the database: a share made on A is seen
    /// by a Check on B given A's revision. B polls once a minute, so it is
    /// LISTEN/NOTIFY that brings the write within the call.
    @Test func migrateThenTwoProcessesShareOneOrderOfWrites() async throws {
        guard let server = try PostgresTestDatabase.serverURL() else {
            try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
        }
        let dir = try TempDirectory("sharewired-cluster")
        defer { dir.remove() }
        try await PostgresTestDatabase.with(serverURL: server) { url in
            for _ in 0..<2 {
                let (status, output) = try await Self.runToEnd(["migrate", "--store", url])
                #expect(status == 0, "\(output)")
                #expect(output.contains("is at schema version \(PostgresSchema.latestVersion)"), "\(output)")
            }
            let environment = ["SHAREWIRE_SERVICE_KEY": Self.secret]
            let a = try await ServerProcess(
                arguments: ["--store", url, "--feed-poll-ms", "60000"],
                environment: environment, logTo: dir.file("a.log"))
            defer { a.killIfRunning() }
            let b = try await ServerProcess(
                arguments: ["--store", url, "--feed-poll-ms", "60000", "--metrics-port", "0"],
                environment: environment, logTo: dir.file("b.log"))
            defer { b.killIfRunning() }
            let ca = client(port: a.port), cb = client(port: b.port)
            let service = [MetadataEntry(key: "authorization", value: "Bearer \(Self.secret)")]
            let owner: CreateAccountResponse = try await ca.unary(
                Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
                CreateAccountRequest(email: "owner@example.com"), metadata: service)
            let friend: CreateAccountResponse = try await ca.unary(
                Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
                CreateAccountRequest(email: "friend@example.com"), metadata: service)
            let auth = [MetadataEntry(key: "authorization", value: "Bearer \(owner.apiKey)")]
            let _: CreateContactResponse = try await ca.unary(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "friend@example.com"),
                metadata: auth)
            let device: RegisterDeviceResponse = try await ca.unary(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(
                    name: "pi", services: [NewService(name: "ssh", port: 22, protocol: "ssh")]), metadata: auth)
            let shared: ShareResponse = try await ca.unary(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [device.device.id], emails: ["friend@example.com"], access: Access(mode: .all)),
                metadata: auth)
            let check: CheckPortResponse = try await cb.unary(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(
                    userID: friend.account.id, deviceID: device.device.id, port: 22,
                    minRevision: shared.revision), metadata: service)
            #expect(check.allowed)
            #expect(check.revision >= shared.revision)
            // B's feed read the change log for it, and says so on /metrics.
            let metrics = try await DurabilityTests.httpGet(port: try #require(b.metricsPort), path: "/metrics")
            let catchUps = metrics.split(separator: "\n").first { $0.hasPrefix("sharewire_feed_catchups_total ") }
            #expect((catchUps?.split(separator: " ").last).flatMap { Double($0) }.map { $0 >= 1 } == true, "\(metrics)")
            #expect(metrics.contains("sharewire_feed_staleness_seconds "), "\(metrics)")
            #expect(!metrics.contains("sharewire_feed_failures_total 1"), "\(metrics)")
            // A write on B follows A's in the one order of revisions.
            let renamed: RenameDeviceResponse = try await cb.unary(
                Sharewire_V1.DeviceService.Method.Rename.descriptor,
                RenameDeviceRequest(deviceID: device.device.id, name: "pi2"), metadata: auth)
            #expect(renamed.revision == shared.revision + 1)
            let listed: ListDevicesResponse = try await ca.unary(
                Sharewire_V1.DeviceService.Method.List.descriptor,
                ListDevicesRequest(pageSize: 10, minRevision: renamed.revision), metadata: auth)
            #expect(listed.devices.map(\.name) == ["pi2"])
            ca.close()
            cb.close()
            #expect(try await a.stop(signal: SIGTERM) == 0)
            #expect(try await b.stop(signal: SIGTERM) == 0)
        }
    }

    /// Runs `sharewired arguments` to its end; its status and stdout+stderr.
    static func runToEnd(_ arguments: [String]) async throws -> (Int32, String) {
        let result = try await ChildProcess.run(
            try ServerProcess.binary(), arguments, mergeStderr: true, timeout: .seconds(120))
        return (result.status, result.stdout)
    }
}
