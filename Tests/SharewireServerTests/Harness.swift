import Logging
import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain
import SharingPostgres
import Testing

/// An account created through the API, with what a client needs to act as it.
struct TestAccount: Sendable {
    let id: String
    let email: String
    let key: String
    var metadata: Metadata { [MetadataEntry(key: "authorization", value: "Bearer \(key)")] }
}

/// The sharing services on an in-process server (``InProcessServer``) on a
/// loopback port over a temp data dir, and a client.
struct Harness: TestServerHarness {
    static let serviceKey = "harness-service-key-5f0e6b1c9a7d4e2f8b3a6c1d"

    let dir: TempDirectory
    let backend: SharingBackend
    let services: SharingServices
    let base: InProcessServer
    let client: RPCClient
    /// The PostgreSQL database of a ``ServiceStore/postgres`` harness, given back by ``stop()``.
    var database: PostgresTestDatabase.Database?

    var server: RPCServer { base.server }

    /// A server over a fresh store of `store`'s kind: a temp data dir, or a
    /// database of its own on the test PostgreSQL server (given back by
    /// ``stop()``; the test is skipped without a server, or fails with
    /// SHAREWIRE_REQUIRE_POSTGRES=1).
    /// `clock` and `expiry` go to the backend (the expiry and invitation
    /// tests' manual clock).
    static func start(
        store: ServiceStore = .sqlite, limits: Limits = Limits(), serviceKey: String? = Harness.serviceKey,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
        expiry: ExpiryTimer.Configuration = ExpiryTimer.Configuration()
    ) async throws -> Harness {
        let dir = try TempDirectory()
        switch store {
        case .sqlite:
            let backend = try await SharingBackend.open(
                directory: dir.path, limits: limits, clock: clock, expiry: expiry)
            return try await start(backend: backend, dir: dir, serviceKey: serviceKey)
        case .postgres:
            guard let server = try PostgresTestDatabase.serverURL() else {
                dir.remove()
                try Test.cancel(Comment(rawValue: PostgresTestDatabase.skipReason))
            }
            let database = try await PostgresTestDatabase.create(serverURL: server)
            do {
                var logger = Logger(label: "test.server.postgres")
                logger.logLevel = .critical
                let store = try await PostgresSharingStore.open(
                    try PostgresStoreConfiguration(url: database.url), logger: logger)
                let backend = try await SharingBackend.open(
                    store: store, limits: limits, logger: logger, clock: clock, expiry: expiry)
                var h = try await start(backend: backend, dir: dir, serviceKey: serviceKey)
                h.database = database
                return h
            } catch {
                try? await database.release()
                dir.remove()
                throw error
            }
        }
    }

    /// A server over an opened `backend` (say, one of several instances on
    /// one PostgreSQL database); `dir` is removed by ``stop()``.
    static func start(
        backend: SharingBackend, dir: TempDirectory,
        serviceKey: String? = Harness.serviceKey
    ) async throws -> Harness {
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        var servicesConfig = SharingServicesConfiguration()
        servicesConfig.notificationPollInterval = .milliseconds(200)
        let services = SharingServices(
            backend: backend, serviceKey: try serviceKey.map { try ServiceKey(secret: $0) },
            configuration: servicesConfig, logger: logger)
        var router = RPCRouter()
        services.register(in: &router)
        let base = try await InProcessServer.start(router: router) { $0.drainGracePeriod = .seconds(5) }
        let client = base.client { $0.defaultTimeout = .seconds(20) }
        return Harness(dir: dir, backend: backend, services: services, base: base, client: client)
    }

    /// Metadata for the service key, optionally acting for an account.
    static func service(actAs: String? = nil) -> Metadata {
        var metadata = [MetadataEntry(key: "authorization", value: "Bearer \(serviceKey)")]
        if let actAs { metadata.append(MetadataEntry(key: Authenticator.actAsKey, value: actAs)) }
        return metadata
    }

    func createAccount(_ email: String, language: LanguageCode = .en) async throws -> TestAccount {
        let response: CreateAccountResponse = try await client.unary(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
            CreateAccountRequest(email: email, language: language),
            metadata: Self.service())
        return TestAccount(id: response.account.id, email: response.account.email, key: response.apiKey)
    }

    /// A unary call as `account`.
    func call<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Request, as account: TestAccount, timeout: Duration? = nil,
        responseType: Response.Type = Response.self
    ) async throws(RPCError) -> Response {
        try await client.unary(method, request, metadata: account.metadata, timeout: timeout)
    }

    /// The status of a call that must fail (records an issue if it succeeded).
    func failure<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Request, metadata: Metadata, timeout: Duration? = nil,
        responseType: Response.Type
    ) async -> RPCError? {
        do {
            _ = try await client.unary(
                method, request, metadata: metadata, timeout: timeout, responseType: responseType)
            return nil
        } catch {
            return error
        }
    }

    var revision: UInt64 { backend.snapshots.revision }

    /// The server's loopback port, for raw connections.
    var port: Int { base.port }

    func stop() async {
        client.close()
        services.beginShutdown()
        await base.stop()
        try? await backend.shutdown()
        try? await database?.release()
        dir.remove()
    }
}

/// The stores the service suites run against: the same tests, parameterised
/// (`@Test(arguments: ServiceStore.allCases)`), on the embedded SQLite store
/// and on PostgreSQL.
enum ServiceStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

extension RPCError {
    var reason: String? { details.first?.reason }
}
