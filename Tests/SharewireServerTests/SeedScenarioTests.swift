import SharewireMessages
import SharewireRPC
import SharewireServer
import Testing

/// The seed scenario (docs/SERVER.md §8), end to end over loopback.
@Suite(.timeLimit(.minutes(2)))
struct SeedScenarioTests {
    @Test(arguments: ServiceStore.allCases) func ownerSharesRecipientUsesLeavesAndTransferClears(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        let friend = try await h.createAccount("friend@example.com")
        let carol = try await h.createAccount("carol@example.com")

        // (1) Two contacts, one without an account (Japanese).
        let friendContact: CreateContactResponse = try await h.call(
            Sharewire_V1.ContactService.Method.Create.descriptor,
            CreateContactRequest(email: "Friend@Example.com", firstName: "Fri"), as: owner)
        #expect(friendContact.contact.email == "friend@example.com")
        #expect(friendContact.contact.hasAccount)
        let newbie: CreateContactResponse = try await h.call(
            Sharewire_V1.ContactService.Method.Create.descriptor,
            CreateContactRequest(email: "newbie@example.jp", language: .ja), as: owner)
        #expect(!newbie.contact.hasAccount)
        #expect(newbie.contact.language == .ja)

        // (2) Invite the contact without an account.
        let invited: InviteContactResponse = try await h.call(
            Sharewire_V1.ContactService.Method.Invite.descriptor, InviteContactRequest(email: "newbie@example.jp"),
            as: owner)
        #expect(invited.contact.invitedAtMs > 0)
        let alreadyHasAccount = await h.failure(
            Sharewire_V1.ContactService.Method.Invite.descriptor, InviteContactRequest(email: "friend@example.com"),
            metadata: owner.metadata, responseType: InviteContactResponse.self)
        #expect(alreadyHasAccount?.code == .failedPrecondition)
        #expect(alreadyHasAccount?.reason == "CONTACT_HAS_ACCOUNT")

        // Two devices.
        let pi: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: "pi",
                services: [
                    NewService(name: "ssh", port: 22, protocol: "ssh"),
                    NewService(name: "web", port: 80, protocol: "http"),
                    NewService(name: "tls", port: 443, protocol: "https"),
                ]), as: owner)
        let nas: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor,
            RegisterDeviceRequest(
                name: "nas",
                services: [
                    NewService(name: "ssh", port: 22, protocol: "ssh"),
                    NewService(name: "smb", port: 445, protocol: "tcp"),
                ]), as: owner)
        let piID = pi.device.id, nasID = nas.device.id
        let piSSH = pi.device.services[0].id, piWeb = pi.device.services[1].id, piTLS = pi.device.services[2].id

        // (3) Sharing to a contact without an account is refused and writes nothing.
        let before = h.revision
        let refused = await h.failure(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [piID, nasID], emails: ["friend@example.com", "newbie@example.jp"],
                access: Access(mode: .ports, scripting: true), notify: true), metadata: owner.metadata,
            responseType: ShareResponse.self)
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.reason == "CONTACT_HAS_NO_ACCOUNT")
        #expect(refused?.details.first?.subject == "newbie@example.jp")
        #expect(refused?.details.first?.field == "emails")
        #expect(h.revision == before)
        for device in [piID, nasID] {
            let shares: ListDeviceSharesResponse = try await h.call(
                Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor,
                ListDeviceSharesRequest(deviceID: device), as: owner)
            #expect(shares.shares.isEmpty)
        }

        // (3) Bulk share both devices, PORTS + scripting, by port number: port 22
        // resolves to each device's own ssh service. A port one device lacks
        // fails the whole call and names the port.
        let missing = await h.failure(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [piID, nasID], emails: ["friend@example.com"],
                access: Access(mode: .ports, scripting: true, ports: [22, 443])), metadata: owner.metadata,
            responseType: ShareResponse.self)
        #expect(missing?.reason == "SERVICE_NOT_ON_DEVICE")
        #expect(missing?.details.first?.field == "access.ports")
        #expect(missing?.details.first?.subject == "443")
        #expect(h.revision == before)
        let bulk: ShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [piID, nasID], emails: ["friend@example.com"],
                access: Access(mode: .ports, scripting: true, ports: [22]), notify: true), as: owner)
        #expect(bulk.created == 2)
        #expect(bulk.revision == before + 1)
        // ... then widen the pi to ssh and web, by id and by port together.
        let piPorts: UpdateShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(
                deviceID: piID, email: "friend@example.com",
                access: Access(mode: .ports, serviceIDs: [piWeb], scripting: true, ports: [22])), as: owner)
        #expect(piPorts.updated)
        let piShares: ListDeviceSharesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor, ListDeviceSharesRequest(deviceID: piID),
            as: owner)
        #expect(
            piShares.shares.map(\.access) == [
                Access(mode: .ports, serviceIDs: [piSSH, piWeb], scripting: true, ports: [22, 80])
            ])

        // (4) The recipient sees who shared, passes Check only on the shared ports ...
        let seen: ListDevicesResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.List.descriptor, ListDevicesRequest(), as: friend)
        #expect(seen.devices.map(\.id) == [piID, nasID])
        for device in seen.devices {
            guard case let .shared(shared) = device.role else {
                Issue.record("\(device.id) should be shared with the recipient")
                continue
            }
            #expect(shared.sharedBy == "owner@example.com")
            #expect(shared.access.mode == .ports)
            #expect(shared.access.scripting)
        }
        func check(_ device: String, _ port: UInt32, min: UInt64 = 0) async throws -> Bool {
            let r: CheckPortResponse = try await h.call(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(userID: friend.id, deviceID: device, port: port, minRevision: min),
                as: friend)
            return r.allowed
        }
        #expect(try await check(piID, 22))
        #expect(try await check(piID, 80))
        #expect(try await !check(piID, 443))
        #expect(try await !check(piID, 9999))
        #expect(try await check(nasID, 22))
        #expect(try await !check(nasID, 445))
        let scripting: CheckScriptingResponse = try await h.call(
            Sharewire_V1.CheckService.Method.CheckScripting.descriptor, CheckScriptingRequest(deviceID: piID),
            as: friend)
        #expect(scripting.allowed)

        // ... and can neither rename nor re-share, nor see or change the owner's shares.
        let rename = await h.failure(
            Sharewire_V1.DeviceService.Method.Rename.descriptor, RenameDeviceRequest(deviceID: piID, name: "mine"),
            metadata: friend.metadata, responseType: RenameDeviceResponse.self)
        #expect(rename?.code == .permissionDenied)
        #expect(rename?.reason == "NOT_DEVICE_OWNER")
        _ =
            try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "carol@example.com"),
                as: friend)
            as CreateContactResponse
        let reshare = await h.failure(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [piID], emails: ["carol@example.com"], access: Access(mode: .all)),
            metadata: friend.metadata, responseType: ShareResponse.self)
        #expect(reshare?.code == .permissionDenied)
        #expect(reshare?.reason == "NOT_DEVICE_OWNER")
        let listShares = await h.failure(
            Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor, ListDeviceSharesRequest(deviceID: piID),
            metadata: friend.metadata, responseType: ListDeviceSharesResponse.self)
        #expect(listShares?.code == .permissionDenied)
        let widen = await h.failure(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(
                deviceID: piID, email: "friend@example.com", access: Access(mode: .all)),
            metadata: friend.metadata, responseType: UpdateShareResponse.self)
        #expect(widen?.code == .permissionDenied)

        // (5) The owner edits the ports; Check at that revision follows.
        let edit: UpdateShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.UpdateShare.descriptor,
            UpdateShareRequest(
                deviceID: piID, email: "friend@example.com",
                access: Access(mode: .ports, serviceIDs: [piTLS], scripting: false)), as: owner)
        #expect(edit.updated)
        #expect(try await !check(piID, 22, min: edit.revision))
        #expect(try await check(piID, 443, min: edit.revision))
        let noScripts: CheckScriptingResponse = try await h.call(
            Sharewire_V1.CheckService.Method.CheckScripting.descriptor,
            CheckScriptingRequest(userID: friend.id, deviceID: piID, minRevision: edit.revision),
            as: friend)
        #expect(!noScripts.allowed)
        let batch: CheckBatchResponse = try await h.call(
            Sharewire_V1.CheckService.Method.CheckBatch.descriptor,
            CheckBatchRequest(
                checks: [
                    CheckItem(userID: friend.id, deviceID: piID, port: 443),
                    CheckItem(userID: friend.id, deviceID: piID, port: 22),
                    CheckItem(userID: friend.id, deviceID: nasID), CheckItem(deviceID: nasID, port: 22),
                ], minRevision: edit.revision), as: friend)
        #expect(batch.allowed == [true, false, true, true])

        // (6) Common sharees offer only the people on every chosen device.
        _ =
            try await h.call(
                Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: "carol@example.com"),
                as: owner)
            as CreateContactResponse
        _ =
            try await h.call(
                Sharewire_V1.SharingService.Method.Share.descriptor,
                ShareRequest(
                    deviceIDs: [piID], emails: ["carol@example.com"], access: Access(mode: .all)), as: owner)
            as ShareResponse
        let common: CommonShareesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.CommonSharees.descriptor,
            CommonShareesRequest(deviceIDs: [piID, nasID]), as: owner)
        #expect(common.sharees.map(\.email) == ["friend@example.com"])
        let onPi: CommonShareesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.CommonSharees.descriptor, CommonShareesRequest(deviceIDs: [piID]),
            as: owner)
        #expect(onPi.sharees.map(\.email) == ["carol@example.com", "friend@example.com"])

        // (7) The recipient leaves one device.
        let left: LeaveResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Leave.descriptor, LeaveRequest(deviceIDs: [nasID]), as: friend)
        #expect(left.left == 1)
        #expect(try await !check(nasID, 445, min: left.revision))
        let afterLeave: CommonShareesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.CommonSharees.descriptor,
            CommonShareesRequest(deviceIDs: [piID, nasID], minRevision: left.revision),
            as: owner)
        #expect(afterLeave.sharees.isEmpty)

        // (8) A transfer clears every share of the device.
        let moved: TransferResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Transfer.descriptor,
            TransferRequest(deviceIDs: [piID], toEmail: "carol@example.com"), as: owner)
        #expect(moved.transferred == 1)
        #expect(try await !check(piID, 443, min: moved.revision))
        let carolsShares: ListDeviceSharesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor,
            ListDeviceSharesRequest(deviceID: piID, minRevision: moved.revision), as: carol)
        #expect(carolsShares.shares.isEmpty)
        let carolsPi: GetDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Get.descriptor, GetDeviceRequest(deviceID: piID), as: carol)
        if case let .owned(owned) = carolsPi.device.role {
            #expect(owned.shareCount == 0)
        } else {
            Issue.record("carol should own \(piID)")
        }
        let gone = await h.failure(
            Sharewire_V1.DeviceService.Method.Get.descriptor, GetDeviceRequest(deviceID: piID),
            metadata: owner.metadata,
            responseType: GetDeviceResponse.self)
        #expect(gone?.reason == "DEVICE_NOT_FOUND")

        // (9) The ja contact's invite is Japanese; the others are English.
        let outbox = try await collectNotifications(h, until: { $0.contains { $0.template == .transferReceived } })
        let invite = try #require(outbox.first { $0.template == .invite })
        #expect(invite.recipientEmail == "newbie@example.jp")
        #expect(invite.recipientID.isEmpty)
        #expect(invite.language == .ja)
        #expect(invite.subject.contains("招待"))
        let shared = try #require(
            outbox.first { $0.template == .shareCreated && $0.recipientEmail == "friend@example.com" })
        #expect(shared.language == .en)
        #expect(shared.recipientID == friend.id)
        #expect(outbox.contains { $0.template == .shareLeft && $0.recipientEmail == "owner@example.com" })
        // The transfer: the receiver is told, the former recipient loses access.
        #expect(outbox.contains { $0.template == .transferReceived && $0.recipientEmail == "carol@example.com" })
        #expect(outbox.contains { $0.template == .transferSent && $0.recipientEmail == "owner@example.com" })
        #expect(outbox.contains { $0.template == .shareRemoved && $0.recipientEmail == "friend@example.com" })
        #expect(outbox.map(\.sequence) == outbox.map(\.sequence).sorted())
        await h.stop()
    }

    /// Streams the outbox with the service key until `done` holds (bounded).
    func collectNotifications(_ h: Harness, until done: ([NotificationEntry]) -> Bool)
        async throws -> [NotificationEntry]
    {
        let stream: ServerStream<WatchNotificationsResponse> = try await h.client.serverStream(
            Sharewire_V1.NotificationService.Method.WatchNotifications.descriptor, WatchNotificationsRequest(),
            metadata: Harness.service(),
            timeout: .seconds(30))
        var all: [NotificationEntry] = []
        for try await message in stream {
            all += message.notifications
            if done(all) { break }
        }
        return all
    }
}
