import SharewireMessages
import SharewireRPC
import SharewireServer
import SharingDomain
import Testing

/// Limits reach the client as typed statuses with the configured value, and
/// list pages chain through their tokens.
@Suite(.timeLimit(.minutes(2)))
struct LimitsAndPagingTests {
    @Test(arguments: ServiceStore.allCases) func limitsAreTypedAndNameTheConfiguredValue(store: ServiceStore)
        async throws
    {
        var limits = Limits()
        limits.maxPairsPerBulk = 2
        limits.maxChecksPerBatch = 2
        limits.maxNameLength = 8
        let h = try await Harness.start(store: store, limits: limits)
        let owner = try await h.createAccount("owner@example.com")
        for email in ["a@example.com", "b@example.com", "c@example.com"] {
            _ = try await h.createAccount(email)
            _ =
                try await h.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: email), as: owner)
                as CreateContactResponse
        }
        let device: RegisterDeviceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.Register.descriptor, RegisterDeviceRequest(name: "box"), as: owner)
        let revision = h.revision

        let pairs = await h.failure(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [device.device.id], emails: ["a@example.com", "b@example.com", "c@example.com"],
                access: Access(mode: .all)), metadata: owner.metadata, responseType: ShareResponse.self)
        #expect(pairs?.code == .resourceExhausted)
        #expect(pairs?.reason == "LIMIT_EXCEEDED")
        #expect(pairs?.details.first?.field == "pairs")
        #expect(pairs?.details.first?.metadata == [MetadataEntry(key: "limit", value: "2")])

        let checks = await h.failure(
            Sharewire_V1.CheckService.Method.CheckBatch.descriptor,
            CheckBatchRequest(
                checks: Array(
                    repeating: CheckItem(deviceID: device.device.id, port: 22), count: 3)),
            metadata: owner.metadata, responseType: CheckBatchResponse.self)
        #expect(checks?.code == .resourceExhausted)
        #expect(checks?.details.first?.field == "checks")
        #expect(checks?.details.first?.metadata.first?.value == "2")

        let name = await h.failure(
            Sharewire_V1.DeviceService.Method.Rename.descriptor,
            RenameDeviceRequest(deviceID: device.device.id, name: "much too long"),
            metadata: owner.metadata, responseType: RenameDeviceResponse.self)
        #expect(name?.code == .invalidArgument)
        #expect(name?.reason == "STRING_TOO_LONG")
        #expect(name?.details.first?.field == "name")
        #expect(name?.details.first?.metadata.first?.value == "8")

        let port = await h.failure(
            Sharewire_V1.DeviceService.Method.AddService.descriptor,
            AddServiceRequest(
                deviceID: device.device.id, service: NewService(name: "x", port: 70_000, protocol: "tcp")),
            metadata: owner.metadata, responseType: AddServiceResponse.self)
        #expect(port?.code == .invalidArgument)
        #expect(port?.reason == "INVALID_PORT")
        #expect(port?.details.first?.field == "service.port")

        let badID = await h.failure(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: ["dev_007"], emails: ["a@example.com"], access: Access(mode: .all)),
            metadata: owner.metadata, responseType: ShareResponse.self)
        #expect(badID?.reason == "INVALID_ID")
        #expect(badID?.details.first?.field == "device_ids")
        #expect(badID?.details.first?.subject == "dev_007")

        let mode = await h.failure(
            Sharewire_V1.SharingService.Method.Share.descriptor,
            ShareRequest(
                deviceIDs: [device.device.id], emails: ["a@example.com"], access: Access()),
            metadata: owner.metadata, responseType: ShareResponse.self)
        #expect(mode?.code == .invalidArgument)
        #expect(mode?.details.first?.field == "access.mode")
        #expect(h.revision == revision)
        await h.stop()
    }

    @Test(arguments: ServiceStore.allCases) func pagesChainThroughTokens(store: ServiceStore) async throws {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        var emails: [String] = []
        for i in 0..<7 {
            let email = "p\(i)@example.com"
            emails.append(email)
            _ =
                try await h.call(
                    Sharewire_V1.ContactService.Method.Create.descriptor, CreateContactRequest(email: email), as: owner)
                as CreateContactResponse
        }
        var seen: [String] = []
        var token = ""
        var pages = 0
        repeat {
            let page: ListContactsResponse = try await h.call(
                Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(pageSize: 3, pageToken: token),
                as: owner)
            #expect(page.contacts.count <= 3)
            seen += page.contacts.map(\.email)
            token = page.nextPageToken
            pages += 1
        } while !token.isEmpty && pages < 10
        #expect(seen == emails)
        #expect(pages == 3)
        let bad = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(pageToken: "nope"),
            metadata: owner.metadata,
            responseType: ListContactsResponse.self)
        #expect(bad?.reason == "INVALID_CURSOR")
        #expect(bad?.details.first?.field == "page_token")
        let huge = await h.failure(
            Sharewire_V1.ContactService.Method.List.descriptor, ListContactsRequest(pageSize: 501),
            metadata: owner.metadata,
            responseType: ListContactsResponse.self)
        #expect(huge?.code == .resourceExhausted)
        #expect(huge?.details.first?.field == "page_size")
        #expect(huge?.details.first?.metadata.first?.value == "500")
        await h.stop()
    }
}
