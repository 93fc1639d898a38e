import Logging
import SharewireMessages
import SharewireRPC
import SharewireServer
import SharewireTestSupport
import Testing

/// The server serves exactly the methods of the schema's generated method
/// table (proto/sharewire/v1/services.proto), each with its id and kind.
struct MethodTableTests {
    @Test func sharewiredServesEveryMethodOfTheSchemaAndNoOther() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let backend = try await SharingBackend.open(directory: dir.path)
        var router = RPCRouter()
        HealthService().register(in: &router)
        DiagnosticsService().register(in: &router)
        SharingServices(backend: backend, serviceKey: nil, logger: Logger(label: "test")).register(in: &router)
        let served = Set(router.methods)
        let schema = Set(MethodID.allCases.map(MethodDescriptor.init))
        #expect(served == schema, "not served: \(schema.subtracting(served)); not in the schema: \(served.subtracting(schema))")
        #expect(served.count == MethodID.allCases.count)
        try await backend.shutdown()
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
        #expect(Set(writes) == [.accountCreateAccount, .contactCreate, .contactUpdate, .contactDelete, .contactInvite,
                                .deviceRegister, .deviceRename, .deviceAddService, .deviceRemoveService,
                                .sharingShare, .sharingUpdateShare, .sharingRemoveShares, .sharingLeave,
                                .sharingTransfer])
    }
}
