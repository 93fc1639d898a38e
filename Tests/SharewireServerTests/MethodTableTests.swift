import Foundation
import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import Testing

/// The server registers exactly the methods of the schema, each once, through
/// the generated `register(in:)` of each service's `Handler`, with the id,
/// path, kind and idempotency of proto/sharewire/v1/services.proto.
struct MethodTableTests {
    /// Every service sharewired serves, registered as sharewired does.
    private static func servedRouter(_ backend: SharingBackend) -> RPCRouter {
        var router = RPCRouter()
        HealthService().register(in: &router)
        DiagnosticsService().register(in: &router)
        SharingServices(backend: backend, serviceKey: nil, logger: Logger(label: "test")).register(in: &router)
        return router
    }

    @Test func everyMethodOfTheSchemaIsRegisteredOnceWithItsIDPathKindAndIdempotency() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let backend = try await SharingBackend.open(directory: dir.path)
        let router = Self.servedRouter(backend)
        let schema = try ServicesProto.read()
        // Exactly once each: as many registrations as methods, no path twice
        // (RPCRouter also refuses a duplicate path or id when registering).
        #expect(router.methods.count == schema.count)
        #expect(Set(router.methods.map(\.path)).count == router.methods.count)
        #expect(Set(router.methods.map(\.id)).count == router.methods.count)
        for method in schema {
            let byPath = router.method(path: method.path)
            #expect(byPath != nil, "\(method.path) is not registered")
            #expect(byPath?.id == method.id, "\(method.path): id")
            #expect(byPath?.kind == method.kind, "\(method.path): kind")
            #expect(byPath?.idempotency == method.idempotency, "\(method.path): idempotency")
            #expect(router.method(id: method.id) == byPath, "id \(method.id) does not name \(method.path)")
        }
        try await backend.shutdown()
    }

    @Test func theTypedMethodsMatchTheSchema() throws {
        let schema = try ServicesProto.read()
        let typed = Sharewire_V1.methods
        #expect(typed.count == schema.count)
        let typedDescriptors = Set(typed.map { $0.descriptor })
        #expect(typedDescriptors == Set(schema.map(\.descriptor)))
        for method in typed {
            #expect(method.descriptor == MethodDescriptor(method.id))
            // The kind follows the protocol the method conforms to.
            let unary = (method as? any UnaryMethod.Type) != nil
            let streaming = (method as? any ServerStreamingMethod.Type) != nil
            #expect(unary == (method.descriptor.kind == .unary), "\(method.descriptor)")
            #expect(streaming == (method.descriptor.kind == .serverStreaming), "\(method.descriptor)")
        }
        // The message types are the ones services.proto names.
        let share = ObjectIdentifier(Sharewire_V1.SharingService.Method.Share.Input.self)
        #expect(share == ObjectIdentifier(ShareRequest.self))
        let shared = ObjectIdentifier(Sharewire_V1.SharingService.Method.Share.Output.self)
        #expect(shared == ObjectIdentifier(ShareResponse.self))
        let check = ObjectIdentifier(Sharewire_V1.CheckService.Method.Check.Input.self)
        #expect(check == ObjectIdentifier(CheckPortRequest.self))
        let watched = ObjectIdentifier(Sharewire_V1.NotificationService.Method.WatchNotifications.Output.self)
        #expect(watched == ObjectIdentifier(WatchNotificationsResponse.self))
    }

    @Test func idempotencyFollowsTheSchema() {
        // Reads and checks never change state; acking is a repeatable write;
        // every other write must not be resent blindly.
        #expect(MethodID.checkCheck.idempotency == .noSideEffects)
        #expect(MethodID.notificationWatchNotifications.idempotency == .noSideEffects)
        #expect(MethodID.notificationAckNotifications.idempotency == .idempotent)
        #expect(MethodID.sharingShare.idempotency == .unknown)
        #expect(!MethodID.sharingRemoveShares.idempotency.allowsRetry)
        let writes = MethodID.allCases.filter { !$0.idempotency.allowsRetry }
        #expect(
            Set(writes) == [
                .accountCreateAccount, .accountCreateApiKey, .accountRevokeApiKey, .contactCreate, .contactUpdate,
                .contactDelete, .contactInvite,
                .deviceRegister, .deviceRename, .deviceAddService, .deviceRemoveService,
                .sharingShare, .sharingUpdateShare, .sharingRemoveShares, .sharingLeave,
                .sharingTransfer, .deviceDelete, .accountDeleteAccount, .sharingAcceptInvitations,
                .sharingDeclineInvitations,
            ])
    }

    @Test func theTypedClientStubCallsTheRegisteredHandler() async throws {
        var router = RPCRouter()
        DiagnosticsService().register(in: &router)
        HealthService().register(in: &router)
        let server = try await InProcessServer.start(router: router)
        let client = server.client { $0.defaultTimeout = .seconds(20) }
        let echo = try await Sharewire_V1.Diagnostics.Client(caller: client)
            .echo(EchoRequest(payload: [1, 2, 3]), options: .default)
        #expect(echo.payload == [1, 2, 3])
        let health = try await Sharewire_V1.Health.Client(caller: client)
            .check(HealthCheckRequest(), options: .default)
        #expect(health.status == .serving)
        client.close()
        await server.stop()
    }
}

/// The methods of proto/sharewire/v1/services.proto, read from its text: an
/// oracle independent of the generator, so a method the generator dropped or
/// mislabelled fails the tests above.
private struct ServicesProto {
    let path: String
    let id: UInt32
    let kind: MethodDescriptor.Kind
    let idempotency: MethodIdempotency

    var descriptor: MethodDescriptor { MethodDescriptor(path: path, id: id, kind: kind, idempotency: idempotency) }

    static func read() throws -> [ServicesProto] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("proto/sharewire/v1/services.proto")
        let text = try String(contentsOf: file, encoding: .utf8)
        var service = ""
        var methods: [ServicesProto] = []
        var current: (name: String, streaming: Bool, id: UInt32?, level: MethodIdempotency)?
        func finish() throws {
            guard let c = current else { return }
            guard let id = c.id else { throw ProtoReadError("\(service)/\(c.name) has no method_id") }
            methods.append(
                ServicesProto(
                    path: "/sharewire.v1.\(service)/\(c.name)", id: id,
                    kind: c.streaming ? .serverStreaming : .unary, idempotency: c.level))
            current = nil
        }
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("//") { continue }
            let words = line.split(whereSeparator: { " (){;=".contains($0) })
            if line.hasPrefix("service "), words.count >= 2 {
                try finish()
                service = String(words[1])
            } else if line.hasPrefix("rpc "), words.count >= 2 {
                try finish()
                current = (String(words[1]), line.contains("returns (stream "), nil, .unknown)
            } else if line.hasPrefix("option (sharewire.v1.method_id)"), let last = words.last {
                current?.id = UInt32(last)
            } else if line.hasPrefix("option idempotency_level") {
                current?.level =
                    line.contains("NO_SIDE_EFFECTS")
                    ? .noSideEffects
                    : line.contains("IDEMPOTENT") ? .idempotent : .unknown
            }
        }
        try finish()
        return methods
    }
}

private struct ProtoReadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Who may call each method: the `(sharewire.v1.auth)` option of
/// services.proto, which the generated pipeline applies before every handler.
struct MethodAuthTests {
    /// The policy each method must have. The switch has no `default`: a new
    /// method does not compile here until its policy is written down.
    static func expected(_ method: MethodID) -> MethodAuth {
        switch method {
        case .healthCheck, .healthWatch, .diagnosticsEcho, .diagnosticsEchoStream:
            .none
        case .accountCreateAccount, .notificationWatchNotifications, .notificationAckNotifications:
            .serviceKey
        case .checkCheck, .checkCheckScripting, .checkCheckBatch, .eventWatchAccessChanges:
            .principal
        case .accountWhoami, .accountCreateApiKey, .accountListApiKeys, .accountRevokeApiKey, .accountDeleteAccount,
            .contactCreate, .contactUpdate, .contactDelete, .contactList, .contactInvite,
            .deviceRegister, .deviceRename, .deviceAddService, .deviceRemoveService, .deviceGet, .deviceList,
            .deviceDelete,
            .sharingShare, .sharingUpdateShare, .sharingRemoveShares, .sharingCommonSharees, .sharingLeave,
            .sharingListDeviceShares, .sharingTransfer, .sharingAcceptInvitations, .sharingDeclineInvitations,
            .eventListEvents:
            .account
        }
    }

    @Test func everyMethodHasItsAuthPolicy() {
        for method in MethodID.allCases {
            #expect(method.auth == Self.expected(method), "\(method.path)")
        }
        // Only Health and Diagnostics are open.
        #expect(
            MethodID.allCases.filter { $0.auth == .none }.allSatisfy {
                $0.path.hasPrefix("/sharewire.v1.Health/") || $0.path.hasPrefix("/sharewire.v1.Diagnostics/")
            })
    }
}
