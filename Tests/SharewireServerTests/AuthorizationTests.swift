import Foundation
import SharewireMessages
import SharewireRPC
import SharewireServer
import Testing

/// Object-level authorization (BOLA): account A never reads or changes B's
/// contacts, devices or shares, whatever RPC it uses.
@Suite(.timeLimit(.minutes(2)))
struct AuthorizationTests {
    /// One attempt by A on B's objects, and the statuses that count as refusal.
    struct Attempt: Sendable, CustomStringConvertible {
        let description: String
        let run: @Sendable (Harness, TestAccount) async -> RPCError?
        let expected: Set<StatusCode>
    }

    static func attempt<Request: ProtoMessage, Response: ProtoMessage>(
        _ method: MethodDescriptor, _ request: Request, _ response: Response.Type,
        expect expected: Set<StatusCode> = [.notFound]
    ) -> Attempt {
        Attempt(
            description: method.path,
            run: { h, a in
                await h.failure(method, request, metadata: a.metadata, responseType: response)
            }, expected: expected)
    }

    @Test(arguments: ServiceStore.allCases) func accountCannotReachAnotherAccountsObjects(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let a = try await h.createAccount("a@example.com")
        let b = try await h.createAccount("b@example.com")
        let c = try await h.createAccount("c@example.com")
        // B's world: a contact (C), a device with a service, a share to C.
        _ =
            try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "c@example.com"),
                as: b) as CreateContactResponse
        _ =
            try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor,
                CreateContactRequest(email: "private@example.com"), as: b)
            as CreateContactResponse
        let device: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: "b-box", services: [NewService(name: "ssh", port: 22, protocol: "ssh")]), as: b)
        let dev = device.device.id, svc = device.device.services[0].id
        _ =
            try await h.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: ["c@example.com"],
                    access: Access(mode: .all)), as: b) as ShareResponse
        // A second device of B's with a pending invitation to C (require_acceptance).
        let cam: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: "b-cam", services: [NewService(name: "rtsp", port: 554, protocol: "tcp")]), as: b)
        _ =
            try await h.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [cam.device.id], emails: ["c@example.com"], access: Access(mode: .all),
                    requireAcceptance: true),
                as: b) as ShareResponse
        let inAnHour = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        // A knows C too, so "share B's device with my contact" is a meaningful attempt.
        _ =
            try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "c@example.com"),
                as: a) as CreateContactResponse
        let revision = h.revision

        let attempts: [Attempt] = [
            Self.attempt(
                Sharewire_V1.ContactService.Method.Update.descriptor,
                UpdateContactRequest(email: "private@example.com", firstName: "x"),
                UpdateContactResponse.self),
            Self.attempt(
                Sharewire_V1.ContactService.Method.Delete.descriptor,
                DeleteContactRequest(email: "private@example.com"), DeleteContactResponse.self),
            Self.attempt(
                Sharewire_V1.ContactService.Method.Invite.descriptor,
                InviteContactRequest(email: "private@example.com"), InviteContactResponse.self),
            Self.attempt(
                Sharewire_V1.DeviceService.Method.Rename.descriptor, RenameDeviceRequest(deviceID: dev, name: "mine"),
                RenameDeviceResponse.self),
            Self.attempt(
                Sharewire_V1.DeviceService.Method.AddService.descriptor,
                AddServiceRequest(
                    deviceID: dev, service: NewService(name: "web", port: 80, protocol: "http")),
                AddServiceResponse.self),
            Self.attempt(
                Sharewire_V1.DeviceService.Method.RemoveService.descriptor,
                RemoveServiceRequest(deviceID: dev, serviceID: svc),
                RemoveServiceResponse.self),
            Self.attempt(
                Sharewire_V1.DeviceService.Method.Get.descriptor, GetDeviceRequest(deviceID: dev),
                GetDeviceResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: ["c@example.com"],
                    access: Access(mode: .all)), ShareResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
                UpdateShareRequest(
                    deviceID: dev, email: "c@example.com",
                    access: Access(mode: .ports, scripting: true)),
                UpdateShareResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.RemoveShares.descriptor,
                RemoveSharesRequest(deviceIDs: [dev], emails: ["c@example.com"]),
                RemoveSharesResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.CommonSharees.descriptor, CommonShareesRequest(deviceIDs: [dev]),
                CommonShareesResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.Leave.descriptor, LeaveRequest(deviceIDs: [dev]), LeaveResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor, ListDeviceSharesRequest(deviceID: dev),
                ListDeviceSharesResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.Transfer.descriptor,
                TransferRequest(deviceIDs: [dev], toEmail: "a@example.com"),
                TransferResponse.self),
            // The lifecycle methods: deleting, invitations, expiries.
            Self.attempt(
                Sharewire_V1.DeviceService.Method.Delete.descriptor, DeleteDeviceRequest(deviceID: dev),
                DeleteDeviceResponse.self),
            Self.attempt(
                Sharewire_V1.DeviceService.Method.Delete.descriptor,
                DeleteDeviceRequest(deviceID: dev, validateOnly: true),
                DeleteDeviceResponse.self),
            Self.attempt(
                Sharewire_V1.AccountService.Method.DeleteAccount.descriptor,
                DeleteAccountRequest(confirmEmail: "b@example.com"),
                DeleteAccountResponse.self, expect: [.invalidArgument]),
            Self.attempt(
                Sharewire_V1.SharingService.Method.AcceptInvitations.descriptor,
                RespondToInvitationsRequest(deviceIDs: [cam.device.id]), RespondToInvitationsResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.DeclineInvitations.descriptor,
                RespondToInvitationsRequest(deviceIDs: [cam.device.id]), RespondToInvitationsResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
                UpdateShareRequest(
                    deviceID: dev, email: "c@example.com", access: Access(mode: .all), expiresAtMs: inAnHour),
                UpdateShareResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
                UpdateShareRequest(
                    deviceID: cam.device.id, email: "c@example.com", access: Access(mode: .all), expiresAtMs: 0),
                UpdateShareResponse.self),
            Self.attempt(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [dev], emails: ["c@example.com"], access: Access(mode: .all), expiresAtMs: inAnHour,
                    requireAcceptance: true),
                ShareResponse.self),
            Self.attempt(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(userID: b.id, deviceID: dev, port: 22), CheckPortResponse.self,
                expect: [.permissionDenied]),
            Self.attempt(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(userID: c.id, deviceID: dev, port: 22), CheckPortResponse.self,
                expect: [.permissionDenied]),
            Self.attempt(
                Sharewire_V1.CheckService.Method.CheckScripting.descriptor,
                CheckScriptingRequest(userID: c.id, deviceID: dev),
                CheckScriptingResponse.self, expect: [.permissionDenied]),
            Self.attempt(
                Sharewire_V1.CheckService.Method.CheckBatch.descriptor,
                CheckBatchRequest(checks: [CheckItem(userID: c.id, deviceID: dev, port: 22)]),
                CheckBatchResponse.self, expect: [.permissionDenied]),
            Self.attempt(
                Sharewire_V1.NotificationService.Method.AckNotifications.descriptor,
                AckNotificationsRequest(throughSequence: 1),
                AckNotificationsResponse.self, expect: [.permissionDenied]),
            Self.attempt(
                Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
                CreateAccountRequest(email: "x@example.com"),
                CreateAccountResponse.self, expect: [.permissionDenied]),
        ]
        for attempt in attempts {
            let error = await attempt.run(h, a)
            #expect(error != nil, "\(attempt) succeeded for another account's object")
            if let error { #expect(attempt.expected.contains(error.code), "\(attempt): \(error)") }
        }
        #expect(h.revision == revision, "a refused attempt wrote something")

        // Reads that succeed show only A's own objects.
        let contacts: ListContactsResponse = try await h.call(
            Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(), as: a)
        #expect(contacts.contacts.map(\.email) == ["c@example.com"])
        let devices: ListDevicesResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.List.descriptor, ListDevicesRequest(), as: a)
        #expect(devices.devices.isEmpty)
        let whoami: WhoamiResponse = try await h.call(
            Sharewire_V1.AccountService.Method.Whoami.descriptor, WhoamiRequest(), as: a)
        #expect(whoami.account.id == a.id)
        let ownAccess: CheckPortResponse = try await h.call(
            Sharewire_V1.CheckService.Method.Check.descriptor, CheckPortRequest(deviceID: dev, port: 22), as: a)
        #expect(!ownAccess.allowed)
        for request in [
            ListEventsRequest(deviceID: dev), ListEventsRequest(userID: b.id), ListEventsRequest(userID: c.id),
        ] {
            let events: ListEventsResponse = try await h.call(
                Sharewire_V1.EventService.Method.ListEvents.descriptor, request, as: a)
            #expect(events.events.isEmpty, "A sees B's events with \(request)")
        }
        let mine: ListEventsResponse = try await h.call(
            Sharewire_V1.EventService.Method.ListEvents.descriptor, ListEventsRequest(), as: a)
        #expect(mine.events.allSatisfy { $0.userIDs.contains(a.id) })
        #expect(mine.events.map(\.kind) == [.accountCreated, .contactCreated])

        // The stream refuses an account key before sending anything.
        do {
            let stream: ServerStream<WatchNotificationsResponse> = try await h.client.serverStream(
                Sharewire_V1.NotificationService.Method.WatchNotifications.descriptor, WatchNotificationsRequest(),
                metadata: a.metadata,
                timeout: .seconds(10))
            for try await _ in stream { Issue.record("an account read the outbox") }
            Issue.record("the outbox stream ended OK for an account")
        } catch let error as RPCError {
            #expect(error.code == .permissionDenied)
        }

        // The recipient C may check its own access, and B (the owner) anyone's on its device.
        let cSelf: CheckPortResponse = try await h.call(
            Sharewire_V1.CheckService.Method.Check.descriptor, CheckPortRequest(deviceID: dev, port: 22), as: c)
        #expect(cSelf.allowed)
        let bAsksAboutC: CheckPortResponse = try await h.call(
            Sharewire_V1.CheckService.Method.Check.descriptor, CheckPortRequest(userID: c.id, deviceID: dev, port: 22),
            as: b)
        #expect(bAsksAboutC.allowed)
        await h.stop()
    }

    @Test(arguments: ServiceStore.allCases) func credentialsAreRequiredAndCheckedOnEveryMethod(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let a = try await h.createAccount("a@example.com")
        let revision = h.revision
        let noKey: Metadata = []
        let badKey: Metadata = [
            MetadataEntry(key: "authorization", value: "Bearer sw_" + String(repeating: "0", count: 64))
        ]
        let notBearer: Metadata = [MetadataEntry(key: "authorization", value: a.key)]
        for metadata in [noKey, badKey, notBearer] {
            let errors: [RPCError?] = [
                await h.failure(
                    Sharewire_V1.AccountService.Method.CreateAccount.descriptor,
                    CreateAccountRequest(email: "n@example.com"),
                    metadata: metadata, responseType: CreateAccountResponse.self),
                await h.failure(
                    Sharewire_V1.AccountService.Method.Whoami.descriptor, WhoamiRequest(), metadata: metadata,
                    responseType: WhoamiResponse.self),
                await h.failure(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "n@example.com"),
                    metadata: metadata,
                    responseType: CreateContactResponse.self),
                await h.failure(
                    Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(), metadata: metadata,
                    responseType: ListContactsResponse.self),
                await h.failure(
                    Sharewire_V1.DeviceService.Method.Register.descriptor, RegisterDeviceRequest(name: "d"),
                    metadata: metadata,
                    responseType: RegisterDeviceResponse.self),
                await h.failure(
                    Sharewire_V1.DeviceService.Method.List.descriptor, ListDevicesRequest(), metadata: metadata,
                    responseType: ListDevicesResponse.self),
                await h.failure(
                    Sharewire_V1.SharingService.Method.Share.descriptor,
                    ShareRequest(
                        deviceIDs: ["dev_1"], emails: ["n@example.com"],
                        access: Access(mode: .all)),
                    metadata: metadata, responseType: ShareResponse.self),
                await h.failure(
                    Sharewire_V1.CheckService.Method.Check.descriptor,
                    CheckPortRequest(userID: a.id, deviceID: "dev_1", port: 22),
                    metadata: metadata, responseType: CheckPortResponse.self),
                await h.failure(
                    Sharewire_V1.CheckService.Method.CheckBatch.descriptor, CheckBatchRequest(), metadata: metadata,
                    responseType: CheckBatchResponse.self),
                await h.failure(
                    Sharewire_V1.EventService.Method.ListEvents.descriptor, ListEventsRequest(), metadata: metadata,
                    responseType: ListEventsResponse.self),
                await h.failure(
                    Sharewire_V1.NotificationService.Method.AckNotifications.descriptor, AckNotificationsRequest(),
                    metadata: metadata,
                    responseType: AckNotificationsResponse.self),
            ]
            for error in errors {
                #expect(error?.code == .unauthenticated, "\(metadata): \(String(describing: error))")
                #expect(error?.reason == "UNAUTHENTICATED")
            }
        }
        #expect(h.revision == revision)
        await h.stop()
    }

    @Test(arguments: ServiceStore.allCases) func serviceKeyActsForAnAccount(store: ServiceStore) async throws {
        let h = try await Harness.start(store: store)
        let a = try await h.createAccount("a@example.com", language: .ja)
        let byEmail: WhoamiResponse = try await h.client.unary(
            Sharewire_V1.AccountService.Method.Whoami.descriptor, WhoamiRequest(),
            metadata: Harness.service(actAs: "A@example.com"))
        #expect(byEmail.account.id == a.id)
        #expect(byEmail.account.language == .ja)
        let created: CreateContactResponse = try await h.client.unary(
            Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "x@example.com"),
            metadata: Harness.service(actAs: a.id))
        let listed: ListContactsResponse = try await h.call(
            Sharewire_V1.ContactService.Method.List.descriptor,
            ListContactsRequest(minRevision: created.revision), as: a)
        #expect(listed.contacts.map(\.email) == ["x@example.com"])
        // Events record the account as the actor, not "the service".
        let events: ListEventsResponse = try await h.call(
            Sharewire_V1.EventService.Method.ListEvents.descriptor,
            ListEventsRequest(kind: .contactCreated), as: a)
        #expect(events.events.map(\.actorID) == [a.id])

        let noActAs = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(), metadata: Harness.service(),
            responseType: ListContactsResponse.self)
        #expect(noActAs?.code == .invalidArgument)
        #expect(noActAs?.reason == "ACT_AS_REQUIRED")
        let unknown = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(),
            metadata: Harness.service(actAs: "ghost@example.com"),
            responseType: ListContactsResponse.self)
        #expect(unknown?.code == .unauthenticated)
        var accountActingAs = a.metadata
        accountActingAs.append(MetadataEntry(key: Authenticator.actAsKey, value: "acc_1"))
        let impersonation = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(), metadata: accountActingAs,
            responseType: ListContactsResponse.self)
        #expect(impersonation?.code == .permissionDenied)
        #expect(impersonation?.reason == "SERVICE_KEY_REQUIRED")
        // The service key without act-as may check anyone's access.
        let check: CheckPortResponse = try await h.client.unary(
            Sharewire_V1.CheckService.Method.Check.descriptor,
            CheckPortRequest(userID: a.id, deviceID: "dev_1", port: 22), metadata: Harness.service())
        #expect(!check.allowed)
        await h.stop()
    }

    @Test(arguments: ServiceStore.allCases) func withoutAServiceKeyAccountCreationIsRefusedClearly(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store, serviceKey: nil)
        let refused = await h.failure(
            Sharewire_V1.AccountService.Method.CreateAccount.descriptor, CreateAccountRequest(email: "a@example.com"),
            metadata: Harness.service(), responseType: CreateAccountResponse.self)
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.reason == "SERVICE_KEY_NOT_CONFIGURED")
        #expect(refused?.message.contains("SHAREWIRE_SERVICE_KEY") == true)
        #expect(h.revision == 0)
        await h.stop()
    }
}
