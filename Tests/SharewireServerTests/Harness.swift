import Logging
import NIOCore
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import SharingDomain

/// An account created through the API, with what a client needs to act as it.
struct TestAccount: Sendable {
    let id: String
    let email: String
    let key: String
    var metadata: Metadata { [MetadataEntry(key: "authorization", value: "Bearer \(key)")] }
}

/// A real server on a loopback port over a temp data dir, and a client.
struct Harness {
    static let serviceKey = "harness-service-key-5f0e6b1c9a7d4e2f8b3a6c1d"

    let dir: TempDirectory
    let backend: SharingBackend
    let services: SharingServices
    let server: RPCServer
    let runTask: Task<Void, any Error>
    let client: RPCClient

    static func start(limits: Limits = Limits(), serviceKey: String? = Harness.serviceKey) async throws -> Harness {
        let dir = try TempDirectory()
        let backend = try await SharingBackend.open(directory: dir.path, limits: limits)
        return try await start(backend: backend, dir: dir, serviceKey: serviceKey)
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
        var config = ServerConfiguration()
        config.port = 0
        config.housekeepingInterval = .milliseconds(50)
        config.drainGracePeriod = .seconds(5)
        let server = RPCServer(configuration: config, router: router, logger: logger)
        let address = try await server.start()
        let runTask = Task { try await server.run() }
        var clientConfig = ClientConfiguration(host: "127.0.0.1", port: address.port!)
        clientConfig.defaultTimeout = .seconds(20)
        var clientLogger = Logger(label: "test.client")
        clientLogger.logLevel = .critical
        let client = RPCClient(configuration: clientConfig, logger: clientLogger)
        return Harness(dir: dir, backend: backend, services: services, server: server, runTask: runTask, client: client)
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
    var port: Int { server.localAddress!.port! }

    func stop() async {
        client.close()
        services.beginShutdown()
        await server.drain()
        runTask.cancel()
        try? await backend.shutdown()
        dir.remove()
    }
}

extension RPCError {
    var reason: String? { details.first?.reason }
}
