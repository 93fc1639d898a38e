import Foundation
import SharewireMessages
import SharewireRPC
import SharewireServer

/// The methods the benchmark can load.
enum BenchMethod: String, CaseIterable {
    /// `Diagnostics/Echo`: the protocol's own cost.
    case echo
    /// `CheckService/Check` with an account key: the hot path, authentication included.
    case check
}

/// Seeds a server for Check: an owner, a recipient with PORTS access to one
/// service of a device; returns one call that asks "may the recipient reach
/// port 22?" with the recipient's own key (so every call authenticates).
enum CheckSetup {
    static func prepare(port: Int, serviceKey: String) async throws -> @Sendable (RPCClient) async throws -> Void {
        var config = ClientConfiguration(host: "127.0.0.1", port: port)
        config.defaultTimeout = .seconds(30)
        let client = RPCClient(configuration: config)
        defer { client.close() }
        let service = [MetadataEntry(key: "authorization", value: "Bearer \(serviceKey)")]
        let owner: CreateAccountResponse = try await client.unary(
            AccountService.createAccount, CreateAccountRequest(email: "owner-\(UUID().uuidString.prefix(8))@example.com"),
            metadata: service)
        let friendEmail = "friend-\(UUID().uuidString.prefix(8))@example.com"
        let friend: CreateAccountResponse = try await client.unary(
            AccountService.createAccount, CreateAccountRequest(email: friendEmail), metadata: service)
        let ownerAuth = [MetadataEntry(key: "authorization", value: "Bearer \(owner.apiKey)")]
        _ = try await client.unary(ContactService.create, CreateContactRequest(email: friendEmail), metadata: ownerAuth)
            as CreateContactResponse
        let device: RegisterDeviceResponse = try await client.unary(DeviceService.register, RegisterDeviceRequest(
            name: "bench", services: [NewService(name: "ssh", port: 22, protocol: "ssh"),
                                      NewService(name: "web", port: 80, protocol: "http")]), metadata: ownerAuth)
        _ = try await client.unary(SharingService.share, ShareRequest(
            deviceIDs: [device.device.id], emails: [friendEmail],
            access: Access(mode: .ports, serviceIDs: [device.device.services[0].id])), metadata: ownerAuth) as ShareResponse
        let request = CheckPortRequest(userID: friend.account.id, deviceID: device.device.id, port: 22)
        let metadata = [MetadataEntry(key: "authorization", value: "Bearer \(friend.apiKey)")]
        return { client in
            let response: CheckPortResponse = try await client.unary(CheckService.check, request, metadata: metadata)
            if !response.allowed { throw BenchError("check denied: the benchmark's share is missing") }
        }
    }
}
