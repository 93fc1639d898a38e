import SharewireMessages
import SharewireRPC
import SharewireServer
import Testing

/// `validate_only` (docs/PROTOCOL.md §17.4): every rule runs and the answer is
/// what the write would do, at the current revision, and nothing changes.
@Suite(.timeLimit(.minutes(2)))
struct ValidateOnlyTests {
    typealias Sharing = Sharewire_V1.SharingService.Method
    typealias Contacts = Sharewire_V1.ContactService.Method

    @Test(arguments: ServiceStore.allCases) func aDryRunAnswersWhatTheWriteWouldDoAndChangesNothing(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        _ = try await h.createAccount("bob@example.com")
        for email in ["bob@example.com", "carol@example.com"] {
            let _: CreateContactResponse = try await h.call(
                Contacts.Create.descriptor, CreateContactRequest(email: email), as: owner)
        }
        let device: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(name: "pi", services: [NewService(name: "ssh", port: 22, protocol: "tcp")]), as: owner
        )
        let pi = device.device.id
        let share = ShareRequest(
            deviceIDs: [pi], emails: ["bob@example.com"], access: Access(mode: .ports, scripting: true),
            notify: true, validateOnly: true)
        let before = h.revision

        // Share: the counts the write would have, the current revision, nothing stored.
        let dry: ShareResponse = try await h.call(Sharing.Share.descriptor, share, as: owner)
        #expect(dry.created == 1 && dry.updated == 0 && dry.revision == before)
        #expect(h.revision == before)
        let listed: ListDeviceSharesResponse = try await h.call(
            Sharing.ListDeviceShares.descriptor,
            ListDeviceSharesRequest(deviceID: pi), as: owner)
        #expect(listed.shares.isEmpty)

        // The real share, then dry runs of what would end it.
        var real = share
        real.validateOnly = false
        let done: ShareResponse = try await h.call(Sharing.Share.descriptor, real, as: owner)
        #expect(done.created == 1 && done.revision == before + 1)
        let removal: RemoveSharesResponse = try await h.call(
            Sharing.RemoveShares.descriptor,
            RemoveSharesRequest(deviceIDs: [pi], emails: ["bob@example.com"], validateOnly: true), as: owner)
        #expect(removal.removed == 1 && removal.revision == before + 1)
        let transfer: TransferResponse = try await h.call(
            Sharing.Transfer.descriptor,
            TransferRequest(deviceIDs: [pi], toEmail: "bob@example.com", validateOnly: true),
            as: owner)
        #expect(transfer.transferred == 1)
        let deletion: DeleteContactResponse = try await h.call(
            Contacts.Delete.descriptor, DeleteContactRequest(email: "bob@example.com", validateOnly: true), as: owner)
        #expect(deletion.sharesRemoved == 1)
        #expect(h.revision == before + 1)
        let still: ListDeviceSharesResponse = try await h.call(
            Sharing.ListDeviceShares.descriptor,
            ListDeviceSharesRequest(deviceID: pi), as: owner)
        #expect(still.shares.map(\.email) == ["bob@example.com"])

        // The real call's error, with nothing changed: a contact without an account.
        let refused = await h.failure(
            Sharing.Share.descriptor,
            ShareRequest(
                deviceIDs: [pi], emails: ["carol@example.com"], access: Access(mode: .all), validateOnly: true),
            metadata: owner.metadata, responseType: ShareResponse.self)
        #expect(refused?.code == .failedPrecondition && refused?.reason == "CONTACT_HAS_NO_ACCOUNT")
        #expect(h.revision == before + 1)
        await h.stop()
    }
}
