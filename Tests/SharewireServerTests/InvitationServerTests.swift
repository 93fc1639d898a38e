import SharewireMessages
import SharewireRPC
import SharewireServer
import SharingDomain
import Testing

/// Share invitations over the wire: pending (Check no, no service shown,
/// the owner sees accept_by), accept, decline, the lapse at the boundary with
/// a manual clock and the timer, BOLA, limits at max and max+1.
@Suite(.timeLimit(.minutes(2)))
struct InvitationServerTests {
    typealias Accept = Sharewire_V1.SharingService.Method.AcceptInvitations
    typealias Decline = Sharewire_V1.SharingService.Method.DeclineInvitations

    @Test(arguments: ServiceStore.allCases) func acceptDeclineLapseAndWhoMayAnswer(store: ServiceStore) async throws {
        let clock = ExpiryServerTests.Clock(ExpiryServerTests.start)
        var limits = Limits()
        limits.invitationLifetimeMs = 60_000
        limits.maxDevicesPerCall = 2
        let h = try await ExpiryServerTests.harness(clock, store: store, limits: limits)
        let owner = try await h.createAccount("owner@example.com")
        let bob = try await h.createAccount("bob@example.com", language: .ja)
        let stranger = try await h.createAccount("stranger@example.com")
        let _: CreateContactResponse = try await h.call(
            Sharewire_V1.ContactService.Method.Create.descriptor,
            CreateContactRequest(email: bob.email), as: owner)
        var devices: [String] = []
        for name in ["pi", "nas", "cam"] {
            let r: RegisterDeviceResponse = try await h.call(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(name: name, services: [NewService(name: "ssh", port: 22, protocol: "tcp")]),
                as: owner)
            devices.append(r.device.id)
        }
        let invited: ShareResponse = try await h.call(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: devices, emails: [bob.email], access: Access(mode: .all), notify: true,
                requireAcceptance: true),
            as: owner)
        #expect(invited.created == 3)
        let acceptBy = ExpiryServerTests.start + 60_000
        func check(_ device: String) async throws -> Bool {
            let r: CheckPortResponse = try await h.call(
                Sharewire_V1.CheckService.Method.Check.descriptor,
                CheckPortRequest(deviceID: device, port: 22), as: bob)
            return r.allowed
        }
        #expect(try await check(devices[0]) == false)
        let seen: GetDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Get.descriptor,
            GetDeviceRequest(deviceID: devices[0]), as: bob)
        #expect(seen.device.services.isEmpty)
        if case let .shared(shared) = seen.device.role {
            #expect(shared.acceptByMs == acceptBy)
        } else {
            Issue.record("not shared")
        }
        let listed: ListDeviceSharesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor,
            ListDeviceSharesRequest(deviceID: devices[0]), as: owner)
        #expect(listed.shares.map(\.acceptByMs) == [acceptBy])

        // BOLA: the owner and a stranger cannot answer bob's invitation.
        for account in [owner, stranger] {
            let refused = await h.failure(
                Accept.descriptor, RespondToInvitationsRequest(deviceIDs: [devices[0]]),
                metadata: account.metadata, responseType: RespondToInvitationsResponse.self)
            #expect(refused?.reason == "DEVICE_NOT_FOUND")
        }
        // Limits: 3 devices is one more than 2.
        let over = await h.failure(
            Accept.descriptor, RespondToInvitationsRequest(deviceIDs: devices),
            metadata: bob.metadata, responseType: RespondToInvitationsResponse.self)
        #expect(over?.reason == "LIMIT_EXCEEDED" && over?.details.first?.field == "device_ids")

        let accepted: RespondToInvitationsResponse = try await h.call(
            Accept.descriptor, RespondToInvitationsRequest(deviceIDs: [devices[0]]), as: bob)
        #expect(accepted.answered == 1)
        #expect(try await check(devices[0]))
        let declined: RespondToInvitationsResponse = try await h.call(
            Decline.descriptor, RespondToInvitationsRequest(deviceIDs: [devices[1]]), as: bob)
        #expect(declined.answered == 1)

        // The third lapses at the boundary: the timer removes it at accept_by, not a millisecond before.
        clock.set(acceptBy - 1)
        #expect(try await ExpiryServerTests.timerHasLooked(h.backend.expiry))
        let before: ListDeviceSharesResponse = try await h.call(
            Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor,
            ListDeviceSharesRequest(deviceID: devices[2]), as: owner)
        #expect(before.shares.count == 1)
        clock.set(acceptBy)
        var lapsed = false
        for _ in 0..<250 where !lapsed {
            let now: ListDeviceSharesResponse = try await h.call(
                Sharewire_V1.SharingService.Method.ListDeviceShares.descriptor,
                ListDeviceSharesRequest(deviceID: devices[2]), as: owner)
            lapsed = now.shares.isEmpty
            if !lapsed { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(lapsed)
        let late = await h.failure(
            Accept.descriptor, RespondToInvitationsRequest(deviceIDs: [devices[2]]),
            metadata: bob.metadata, responseType: RespondToInvitationsResponse.self)
        #expect(late?.reason == "DEVICE_NOT_FOUND")
        // The accepted share does not lapse.
        #expect(try await check(devices[0]))
        await h.stop()
    }
}
