import SharewireMessages
import SharewireRPC
import SharewireServer
import Testing

/// `DeviceService/RemoveService` with a service the device does not have is
/// NOT_FOUND `SERVICE_NOT_FOUND` (devices.proto, docs/DOMAIN.md §4), whether
/// the id names another device's service (the owner's own or another
/// account's: the answer must not reveal which exist) or nothing at all.
@Suite(.timeLimit(.minutes(2)))
struct RemoveServiceTests {
    @Test(arguments: ServiceStore.allCases) func aServiceNotOnTheDeviceIsServiceNotFound(store: ServiceStore)
        async throws
    {
        let h = try await Harness.start(store: store)
        let owner = try await h.createAccount("owner@example.com")
        let stranger = try await h.createAccount("stranger@example.com")
        func register(_ name: String, port: UInt32, as account: TestAccount) async throws -> DeviceInfo {
            let response: RegisterDeviceResponse = try await h.call(
                Sharewire_V1.DeviceService.Method.Register.descriptor,
                RegisterDeviceRequest(
                    name: name, services: [NewService(name: "svc", port: port, protocol: "tcp")]), as: account)
            return response.device
        }
        let pi = try await register("pi", port: 22, as: owner)
        let nas = try await register("nas", port: 80, as: owner)
        let theirs = try await register("theirs", port: 443, as: stranger)
        let before = h.revision

        for serviceID in [nas.services[0].id, theirs.services[0].id, "svc_999999"] {
            let error = await h.failure(
                Sharewire_V1.DeviceService.Method.RemoveService.descriptor,
                RemoveServiceRequest(deviceID: pi.id, serviceID: serviceID),
                metadata: owner.metadata, responseType: RemoveServiceResponse.self)
            #expect(error?.code == .notFound, "\(serviceID)")
            #expect(error?.reason == "SERVICE_NOT_FOUND", "\(serviceID)")
            #expect(error?.details.first?.subject == serviceID)
            #expect(error?.details.first?.field == "service_id")
        }
        #expect(h.revision == before)

        // The device's own service is removed.
        let removed: RemoveServiceResponse = try await h.call(
            Sharewire_V1.DeviceService.Method.RemoveService.descriptor,
            RemoveServiceRequest(deviceID: pi.id, serviceID: pi.services[0].id), as: owner)
        #expect(removed.revision == before + 1)
        await h.stop()
    }
}
