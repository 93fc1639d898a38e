import SharewireMessages
import SharewireRPC
import SharewireServer
import SharingDomain
import Testing

/// DeviceService/Delete and AccountService/DeleteAccount over the wire: who
/// may (BOLA), validate_only, the confirmation email, the API key that stops
/// working, and the revocations on the access-change feed.
@Suite(.timeLimit(.minutes(2)))
struct DeletionServerTests {
    typealias Delete = Sharewire_V1.DeviceService.Method.Delete
    typealias DeleteAccount = Sharewire_V1.AccountService.Method.DeleteAccount

    @Test(arguments: ServiceStore.allCases) func deleteDeviceAndAccountWithBOLAValidateOnlyAndTheFeed(
        store: ServiceStore
    ) async throws {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        let bob = try await h.createAccount("bob@example.com")
        let stranger = try await h.createAccount("stranger@example.com")
        let _: CreateContactResponse = try await h.call(
            Sharewire_V1.ContactService.Method.Create.descriptor,
            CreateContactRequest(email: bob.email), as: owner)
        func register(_ name: String) async throws -> String {
            let response: RegisterDeviceResponse = try await h.call(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(name: name, services: [NewService(name: "ssh", port: 22, protocol: "ssh")]),
                as: owner)
            return response.device.id
        }
        let pi = try await register("pi"), nas = try await register("nas")
        let _: ShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [pi, nas], emails: [bob.email], access: Access(mode: .all)), as: owner)
        let start = h.revision

        // BOLA: the recipient is not the owner, a stranger learns nothing; nothing changes.
        let byBob = await h.failure(
            Delete.descriptor, DeleteDeviceRequest(deviceID: pi), metadata: bob.metadata,
            responseType: DeleteDeviceResponse.self)
        #expect(byBob?.code == .permissionDenied && byBob?.reason == "NOT_DEVICE_OWNER")
        let byStranger = await h.failure(
            Delete.descriptor, DeleteDeviceRequest(deviceID: pi), metadata: stranger.metadata,
            responseType: DeleteDeviceResponse.self)
        #expect(byStranger?.code == .notFound && byStranger?.reason == "DEVICE_NOT_FOUND")
        // Acting for the stranger with the service key is the stranger.
        let actAs = await h.failure(
            Delete.descriptor, DeleteDeviceRequest(deviceID: pi),
            metadata: Harness.service(actAs: stranger.id), responseType: DeleteDeviceResponse.self)
        #expect(actAs?.reason == "DEVICE_NOT_FOUND")
        // validate_only: the count, at the current revision, nothing changed.
        let dry: DeleteDeviceResponse = try await h.call(
            Delete.descriptor,
            DeleteDeviceRequest(deviceID: pi, validateOnly: true), as: owner)
        #expect(dry.sharesRemoved == 1 && dry.revision == start && h.revision == start)

        let deleted: DeleteDeviceResponse = try await h.call(
            Delete.descriptor, DeleteDeviceRequest(deviceID: pi), as: owner)
        #expect(deleted.sharesRemoved == 1 && deleted.revision == start + 1)
        let check: CheckPortResponse = try await h.call(
            Sharewire_V1.CheckService.Method.Check.descriptor,
            CheckPortRequest(deviceID: pi, port: 22, minRevision: deleted.revision), as: bob)
        #expect(!check.allowed)
        let gone = await h.failure(
            Sharewire_V1.DeviceService.Method.Get.descriptor, GetDeviceRequest(deviceID: pi),
            metadata: owner.metadata, responseType: GetDeviceResponse.self)
        #expect(gone?.reason == "DEVICE_NOT_FOUND")

        // DeleteAccount: the confirmation must be the caller's own email.
        let wrong = await h.failure(
            DeleteAccount.descriptor, DeleteAccountRequest(confirmEmail: owner.email),
            metadata: bob.metadata, responseType: DeleteAccountResponse.self)
        #expect(wrong?.code == .invalidArgument && wrong?.details.first?.field == "confirm_email")
        let dryAccount: DeleteAccountResponse = try await h.call(
            DeleteAccount.descriptor, DeleteAccountRequest(confirmEmail: bob.email, validateOnly: true), as: bob)
        #expect(dryAccount.sharesRemoved == 1 && dryAccount.devicesDeleted == 0 && h.revision == deleted.revision)
        let bobGone: DeleteAccountResponse = try await h.call(
            DeleteAccount.descriptor,
            DeleteAccountRequest(confirmEmail: bob.email), as: bob)
        #expect(bobGone.sharesRemoved == 1 && bobGone.contactsDeleted == 0)
        // Its key no longer works; the owner's contact entry shows no account.
        let whoami = await h.failure(
            Sharewire_V1.AccountService.Method.Whoami.descriptor, WhoamiRequest(),
            metadata: bob.metadata, responseType: WhoamiResponse.self)
        #expect(whoami?.code == .unauthenticated)
        let contacts: ListContactsResponse = try await h.call(
            Sharewire_V1.ContactService.Method.List.descriptor,
            ListContactsRequest(), as: owner)
        #expect(contacts.contacts.map(\.hasAccount) == [false])

        // The feed shows each revocation; the events stay for the owner.
        let stream: ServerStream<WatchAccessChangesResponse> = try await h.client.serverStream(
            Sharewire_V1.EventService.Method.WatchAccessChanges.descriptor,
            WatchAccessChangesRequest(afterRevision: start),
            metadata: owner.metadata, timeout: .seconds(20))
        var changes: [AccessChange] = []
        for try await message in stream {
            changes += message.changes
            if message.throughRevision >= bobGone.revision { break }
        }
        #expect(changes.map(\.kind) == [.deviceDeleted, .deviceDeleted, .accountDeleted])
        #expect(changes.map(\.userID) == [bob.id, owner.id, bob.id] && changes.allSatisfy { $0.level == .none })
        #expect(changes.last?.deviceID == nas)
        let events: ListEventsResponse = try await h.call(
            Sharewire_V1.EventService.Method.ListEvents.descriptor,
            ListEventsRequest(), as: owner)
        #expect(events.events.map(\.kind).suffix(2) == [.deviceDeleted, .accountDeleted])
        await h.stop()
    }

    /// The bulk pair limit bounds both deletions: at the limit they go, one more is
    /// RESOURCE_EXHAUSTED with the limit in the metadata and nothing changed.
    @Test(arguments: ServiceStore.allCases) func limitsAtMaxAndMaxPlusOne(store: ServiceStore) async throws {
        var limits = Limits()
        limits.maxPairsPerBulk = 2
        let h = try await Harness.start(store: store, limits: limits)
        let owner = try await h.createAccount("owner@example.com")
        var people: [TestAccount] = []
        for email in ["p1@example.com", "p2@example.com", "p3@example.com"] {
            people.append(try await h.createAccount(email))
            let _: CreateContactResponse = try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor,
                CreateContactRequest(email: email), as: owner)
        }
        func device(sharedWith emails: [String]) async throws -> String {
            let response: RegisterDeviceResponse = try await h.call(
                Sharewire_V1.DeviceService.Method.Register.descriptor, RegisterDeviceRequest(name: "d"), as: owner)
            let _: ShareResponse = try await h.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [response.device.id], emails: emails, access: Access(mode: .ports, scripting: true)),
                as: owner)
            return response.device.id
        }
        let two = try await device(sharedWith: [people[0].email, people[1].email])
        let _: ShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [two], emails: [people[2].email], access: Access(mode: .ports, scripting: true)), as: owner)
        let before = h.revision
        let over = await h.failure(
            Delete.descriptor, DeleteDeviceRequest(deviceID: two), metadata: owner.metadata,
            responseType: DeleteDeviceResponse.self)
        #expect(over?.code == .resourceExhausted && over?.reason == "LIMIT_EXCEEDED")
        #expect(over?.details.first?.field == "device_id" && over?.details.first?.metadata.first?.value == "2")
        #expect(h.revision == before)
        let _: RemoveSharesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
            RemoveSharesRequest(deviceIDs: [two], emails: [people[2].email]), as: owner)
        let atMax: DeleteDeviceResponse = try await h.call(
            Delete.descriptor, DeleteDeviceRequest(deviceID: two), as: owner)
        #expect(atMax.sharesRemoved == 2)

        // The account: one device with two shares is three rows, one more than the limit.
        let last = try await device(sharedWith: [people[0].email, people[1].email])
        let accountOver = await h.failure(
            DeleteAccount.descriptor, DeleteAccountRequest(confirmEmail: owner.email),
            metadata: owner.metadata, responseType: DeleteAccountResponse.self)
        #expect(accountOver?.reason == "LIMIT_EXCEEDED" && accountOver?.details.first?.field == "account")
        let _: LeaveResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Leave.descriptor,
            LeaveRequest(deviceIDs: [last]), as: people[0])
        let gone: DeleteAccountResponse = try await h.call(
            DeleteAccount.descriptor,
            DeleteAccountRequest(confirmEmail: owner.email), as: owner)
        #expect(gone.devicesDeleted == 1 && gone.sharesRemoved == 1 && gone.contactsDeleted == 3)
        await h.stop()
    }
}
