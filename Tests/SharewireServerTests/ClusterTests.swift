import Foundation
import Logging
import PostgresNIO
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain
import SharingPostgres
import Testing

/// Several instances (in-process servers, each with its own store, writer
/// and snapshot) on one PostgreSQL database (docs/SERVER.md §11): one total
/// order of writes, tailing, cross-instance read-your-writes. Skipped
/// without a PostgreSQL server (fails instead when SHAREWIRE_REQUIRE_POSTGRES=1).
@Suite(.timeLimit(.minutes(3)))
struct ClusterTests {
    /// An instance on the database at `url`.
    static func node(
        _ url: String, pollInterval: Duration = .seconds(60), listen: Bool = true,
        operationTimeout: Duration = .seconds(30)
    ) async throws -> Harness {
        var logger = Logger(label: "test.cluster")
        logger.logLevel = .critical
        var config = try PostgresStoreConfiguration(url: url)
        config.operationTimeout = operationTimeout
        let store = try await PostgresSharingStore.open(config, logger: logger)
        var feed = ChangeFeed.Configuration()
        feed.pollInterval = pollInterval
        feed.listen = listen
        let backend = try await SharingBackend.open(store: store, feed: feed, logger: logger)
        return try await Harness.start(backend: backend, dir: try TempDirectory("cluster"))
    }

    /// Runs `body` with a fresh database, or skips the test without a server.
    static func withDatabase(_ body: (String) async throws -> Void) async throws {
        guard let server = try PostgresTestDatabase.serverURL() else {
            try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
        }
        try await PostgresTestDatabase.with(serverURL: server, body)
    }

    /// The device `name` registered by `owner` with ssh on 22, and the
    /// sharee's contact, on `h`.
    static func device(_ name: String, of owner: TestAccount, on h: Harness) async throws -> String {
        let device: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: name, services: [NewService(name: "ssh", port: 22, protocol: "ssh")]), as: owner)
        return device.device.id
    }

    /// Share on A, Check on B and C with the write's revision; revoke on A,
    /// Check on B and C again. B and C poll only once a minute here, so it is
    /// the NOTIFY that brings A's writes to them within the call.
    @Test func aWriteOnAIsSeenByChecksOnBAndCWithItsRevision() async throws {
        try await Self.withDatabase { url in
            let a = try await Self.node(url)
            let others = [try await Self.node(url), try await Self.node(url)]
            let owner = try await a.createAccount("owner@example.com")
            let friend = try await a.createAccount("friend@example.com")
            _ =
                try await a.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: friend.email),
                    as: owner)
                as CreateContactResponse
            let dev = try await Self.device("vault", of: owner, on: a)
            for round in 0..<10 {
                let shared: ShareResponse = try await a.call(
                    Sharewire_V1.SharingService.Method.Share.descriptor,
                    ShareRequest(
                        deviceIDs: [dev], emails: [friend.email], access: Access(mode: .all)), as: owner)
                for (i, other) in others.enumerated() {
                    let granted: CheckPortResponse = try await other.client.unary(
                        Sharewire_V1.CheckService.Method.Check.descriptor,
                        CheckPortRequest(
                            userID: friend.id, deviceID: dev, port: 22,
                            minRevision: shared.revision),
                        metadata: Harness.service())
                    #expect(granted.allowed, "round \(round), instance \(i + 2)")
                    #expect(granted.revision >= shared.revision)
                }
                let revoked: RemoveSharesResponse = try await a.call(
                    Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
                    RemoveSharesRequest(
                        deviceIDs: [dev], emails: [friend.email]), as: owner)
                for (i, other) in others.enumerated() {
                    let denied: CheckPortResponse = try await other.client.unary(
                        Sharewire_V1.CheckService.Method.Check.descriptor,
                        CheckPortRequest(
                            userID: friend.id, deviceID: dev, port: 22,
                            minRevision: revoked.revision),
                        metadata: Harness.service())
                    #expect(!denied.allowed, "round \(round): instance \(i + 2) still let the revoked user in")
                    #expect(denied.revision >= revoked.revision)
                }
            }
            // A read on B (not only Check) waits for the revision too.
            let late: RegisterDeviceResponse = try await a.call(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(
                    name: "late", services: []), as: owner)
            let listed: ListDevicesResponse = try await others[0].call(
                Sharewire_V1.DeviceService.Method.List.descriptor,
                ListDevicesRequest(pageSize: 50, minRevision: late.revision), as: owner)
            #expect(listed.devices.map(\.name).contains("late"))
            await a.stop()
            for other in others { await other.stop() }
        }
    }

    /// The same devices transferred away on A while shared on B, at once.
    /// Whatever the order, a share made before the transfer is removed by it
    /// and a share after it is refused (the sharer no longer owns the
    /// device): nobody may end up with access to the new owner's device. The
    /// writes get distinct revisions, and A, B and a fresh load from the
    /// database end in the same full state.
    @Test func conflictingWritesOnTwoInstancesSerialize() async throws {
        try await Self.withDatabase { url in
            let a = try await Self.node(url)
            let b = try await Self.node(url)
            let owner = try await a.createAccount("owner@example.com")
            let buyer = try await a.createAccount("buyer@example.com")
            let friend = try await a.createAccount("friend@example.com")
            _ =
                try await a.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: friend.email),
                    as: owner)
                as CreateContactResponse
            // A transfer goes to a contact.
            _ =
                try await a.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: buyer.email),
                    as: owner)
                as CreateContactResponse
            var devices: [String] = []
            for i in 0..<16 { devices.append(try await Self.device("d\(i)", of: owner, on: a)) }
            // B must know the owner's key before it can authenticate a call.
            _ = try await b.backend.snapshots.snapshot(atLeast: a.revision, timeout: .seconds(20))

            let revisions = try await withThrowingTaskGroup(of: UInt64?.self) { group in
                for dev in devices {
                    group.addTask {
                        let moved: TransferResponse = try await a.call(
                            Sharewire_V1.SharingService.Method.Transfer.descriptor,
                            TransferRequest(deviceIDs: [dev], toEmail: buyer.email), as: owner)
                        return moved.revision
                    }
                    group.addTask {
                        do throws(RPCError) {
                            let shared: ShareResponse = try await b.call(
                                Sharewire_V1.SharingService.Method.Share.descriptor,
                                ShareRequest(
                                    deviceIDs: [dev], emails: [friend.email], access: Access(mode: .all)), as: owner)
                            return shared.revision
                        } catch {
                            // Refused because A's transfer came first: the owner no longer owns it.
                            #expect(
                                error.code == .notFound || error.code == .permissionDenied
                                    || error.code == .failedPrecondition, "\(error)")
                            return nil
                        }
                    }
                }
                var all: [UInt64] = []
                for try await r in group { if let r { all.append(r) } }
                return all
            }
            #expect(Set(revisions).count == revisions.count, "two writes got the same revision")
            let last = try #require(revisions.max())
            let onA = try await a.backend.snapshots.snapshot(atLeast: last, timeout: .seconds(20)).state
            let onB = try await b.backend.snapshots.snapshot(atLeast: last, timeout: .seconds(20)).state
            let stored = try await a.backend.store.loadState(limits: Limits())
            #expect(onA.revision == stored.revision)
            #expect(onA.sameContent(as: stored), "A differs from the database")
            #expect(onB.sameContent(as: stored), "B differs from the database")
            let friendID = try #require(AccountID(external: friend.id))
            let buyerID = try #require(AccountID(external: buyer.id))
            for dev in devices {
                let id = try #require(DeviceID(external: dev))
                #expect(!stored.check(user: friendID, device: id, port: 22), "\(dev): a share outlived its transfer")
                #expect((try? stored.device(buyerID, id)) != nil, "\(dev) was not transferred")
            }
            await a.stop()
            await b.stop()
        }
    }

    /// B never LISTENs (every notification lost): polling alone brings A's
    /// writes, so a read with their revision still succeeds.
    @Test func aLostNotificationIsCoveredByPolling() async throws {
        try await Self.withDatabase { url in
            let a = try await Self.node(url)
            let b = try await Self.node(url, pollInterval: .milliseconds(50), listen: false)
            let owner = try await a.createAccount("owner@example.com")
            let friend = try await a.createAccount("friend@example.com")
            _ =
                try await a.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: friend.email),
                    as: owner)
                as CreateContactResponse
            let dev = try await Self.device("vault", of: owner, on: a)
            for round in 0..<5 {
                let shared: ShareResponse = try await a.call(
                    Sharewire_V1.SharingService.Method.Share.descriptor,
                    ShareRequest(
                        deviceIDs: [dev], emails: [friend.email], access: Access(mode: .all)), as: owner)
                let granted: CheckPortResponse = try await b.client.unary(
                    Sharewire_V1.CheckService.Method.Check.descriptor,
                    CheckPortRequest(
                        userID: friend.id, deviceID: dev, port: 22,
                        minRevision: shared.revision),
                    metadata: Harness.service())
                #expect(granted.allowed, "round \(round)")
                let revoked: RemoveSharesResponse = try await a.call(
                    Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
                    RemoveSharesRequest(
                        deviceIDs: [dev], emails: [friend.email]), as: owner)
                let denied: CheckPortResponse = try await b.client.unary(
                    Sharewire_V1.CheckService.Method.Check.descriptor,
                    CheckPortRequest(
                        userID: friend.id, deviceID: dev, port: 22,
                        minRevision: revoked.revision),
                    metadata: Harness.service())
                #expect(!denied.allowed, "round \(round)")
            }
            #expect(b.backend.feed?.catchUps ?? 0 > 0)
            await a.stop()
            await b.stop()
        }
    }

    /// The database goes away under an instance (dropped, its connections
    /// closed): writes fail UNAVAILABLE (STORAGE_UNAVAILABLE), while Checks
    /// keep answering from the last snapshot.
    @Test func withoutTheDatabaseWritesFailAndChecksKeepAnswering() async throws {
        guard let server = try PostgresTestDatabase.serverURL() else {
            try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
        }
        try await PostgresTestDatabase.with(serverURL: server) { url in
            let a = try await Self.node(url, pollInterval: .milliseconds(100), operationTimeout: .seconds(10))
            let owner = try await a.createAccount("owner@example.com")
            let friend = try await a.createAccount("friend@example.com")
            _ =
                try await a.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: friend.email),
                    as: owner)
                as CreateContactResponse
            let dev = try await Self.device("vault", of: owner, on: a)
            let shared: ShareResponse = try await a.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: [friend.email], access: Access(mode: .all)), as: owner)
            let name = String(try #require(URLComponents(string: url)).path.dropFirst())
            try await PostgresAdministration.dropDatabase(name, on: try PostgresStoreConfiguration(url: server))

            let failed = await a.failure(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(name: "late", services: []),
                metadata: owner.metadata, responseType: RegisterDeviceResponse.self)
            #expect(failed?.code == .unavailable, "\(String(describing: failed))")
            #expect(failed?.reason == "STORAGE_UNAVAILABLE")
            for _ in 0..<3 {
                let check: CheckPortResponse = try await a.client.unary(
                    Sharewire_V1.CheckService.Method.Check.descriptor,
                    CheckPortRequest(
                        userID: friend.id, deviceID: dev, port: 22,
                        minRevision: shared.revision),
                    metadata: Harness.service())
                #expect(check.allowed)
                #expect(check.revision == shared.revision)
            }
            await a.stop()
        }
    }

    /// Both listeners' connections are closed by the server (as when a
    /// network path drops): B reopens its LISTEN and catches up by itself, so
    /// a revoke made on A afterwards still reaches a Check on B although B
    /// polls only once a minute.
    @Test func aDroppedListenerConnectionIsReopened() async throws {
        try await Self.withDatabase { url in
            let a = try await Self.node(url)
            let b = try await Self.node(url)
            let owner = try await a.createAccount("owner@example.com")
            let friend = try await a.createAccount("friend@example.com")
            _ =
                try await a.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: friend.email),
                    as: owner)
                as CreateContactResponse
            let dev = try await Self.device("vault", of: owner, on: a)
            let shared: ShareResponse = try await a.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: [friend.email], access: Access(mode: .all)), as: owner)
            let granted: CheckPortResponse = try await b.client.unary(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(
                    userID: friend.id, deviceID: dev, port: 22,
                    minRevision: shared.revision), metadata: Harness.service())
            #expect(granted.allowed)

            let terminated = try await Self.terminateListeners(url)
            #expect(terminated >= 1, "no LISTEN session found to drop")
            let revoked: RemoveSharesResponse = try await a.call(
                Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
                RemoveSharesRequest(
                    deviceIDs: [dev], emails: [friend.email]), as: owner)
            let denied: CheckPortResponse = try await b.client.unary(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(
                    userID: friend.id, deviceID: dev, port: 22,
                    minRevision: revoked.revision), metadata: Harness.service())
            #expect(!denied.allowed)
            await a.stop()
            await b.stop()
        }
    }

    /// Closes every session of the database at `url` whose last statement
    /// was a LISTEN (the instances' listeners); returns how many.
    static func terminateListeners(_ url: String) async throws -> Int {
        let parts = try #require(URLComponents(string: url))
        let config = PostgresConnection.Configuration(
            host: try #require(parts.host), port: parts.port ?? 5432, username: parts.user ?? "postgres",
            password: parts.password, database: String(parts.path.dropFirst()), tls: .disable)
        var logger = Logger(label: "test.cluster.admin")
        logger.logLevel = .critical
        let connection = try await PostgresConnection.connect(configuration: config, id: 99, logger: logger)
        defer { Task { try? await connection.close() } }
        var count = 0
        let rows = try await connection.query(
            """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'
            """, logger: logger)
        for try await (done) in rows.decode(Bool.self) where done { count += 1 }
        return count
    }
}
