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
    /// `SharingService/Share` of 1 device x 1 contact (PORTS): one durable write per call.
    case share
    /// `SharingService/Share` of 100 devices x 10 contacts, then `RemoveShares`
    /// of the same pairs on the worker's next call: one large durable write per call.
    case bulkShare = "bulk-share"
}

/// Seeds a server for Check: an owner, a recipient with PORTS access to one
/// service of a device; returns one call that asks "may the recipient reach
/// port 22?" with the recipient's own key (so every call authenticates).
/// With `expiring`, the share ends in a year, so each Check also tests the expiry.
enum CheckSetup {
    static func prepare(port: Int, tls: ClientTLS? = nil, serviceKey: String, expiring: Bool = false) async throws
        -> BenchCall
    {
        try await Seeder.with(port: port, tls: tls, serviceKey: serviceKey) { seeder in
            let (ownerKey, friend, device) = try await seeder.ownerFriendDevice("")
            _ =
                try await seeder.client.unary(
                    Sharewire_V1.SharingService.Method.Share.descriptor,
                    ShareRequest(
                        deviceIDs: [device.id], emails: [friend.email],
                        access: Access(mode: .ports, serviceIDs: [device.services[0].id]),
                        expiresAtMs: expiring ? Int64((Date().timeIntervalSince1970 + 365 * 86_400) * 1000) : 0),
                    metadata: Seeder.auth(ownerKey)) as ShareResponse
            let request = CheckPortRequest(userID: friend.info.account.id, deviceID: device.id, port: 22)
            let metadata = Seeder.auth(friend.info.apiKey)
            return { client, _ in
                let response: CheckPortResponse = try await client.unary(
                    Sharewire_V1.CheckService.Method.Check.descriptor, request, metadata: metadata)
                if !response.allowed { throw BenchError("check denied: the benchmark's share is missing") }
            }
        }
    }
}
