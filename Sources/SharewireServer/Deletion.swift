import SharewireMessages
import SharewireRPC
import SharingDomain

/// `DeviceService/Delete` and `AccountService/DeleteAccount` (docs/DOMAIN.md
/// §2, "Deleting devices and accounts"): one write each, with `validate_only`
/// and `notify` (absent = notify) like the other destructive writes.
extension DeviceService {
    func delete(
        request: DeleteDeviceRequest, caller: Caller,
        context: ServerContext
    ) async throws -> DeleteDeviceResponse {
        let device: DeviceID = try env.domain { () throws(SharingError) in
            try Parse.id(request.deviceID, field: .deviceId)
        }
        let result = try await env.write(
            .deleteDevice(device, notify: request.notify ?? true), as: caller,
            validateOnly: request.validateOnly)
        let removed = result.outcome.deleted
        if !request.validateOnly {
            env.logger.info(
                "device deleted",
                metadata: [
                    "device": "\(device)", "by": "\(caller)",
                    "sharesRemoved": "\(removed.shares)",
                ])
        }
        return DeleteDeviceResponse(revision: result.revision, sharesRemoved: UInt32(clamping: removed.shares))
    }
}

extension AccountService {
    func deleteAccount(
        request: DeleteAccountRequest, caller: Caller,
        context: ServerContext
    ) async throws -> DeleteAccountResponse {
        // The account's own key, or the service key acting for it.
        let result = try await env.write(
            .deleteAccount(confirmEmail: request.confirmEmail, notify: request.notify ?? true),
            as: caller, validateOnly: request.validateOnly)
        let removed = result.outcome.deleted
        if !request.validateOnly {
            env.logger.info(
                "account deleted",
                metadata: [
                    "account": "\(caller.account)", "by": "\(caller)",
                    "devices": "\(removed.devices)", "shares": "\(removed.shares)",
                ])
        }
        return DeleteAccountResponse(
            revision: result.revision, devicesDeleted: UInt32(clamping: removed.devices),
            sharesRemoved: UInt32(clamping: removed.shares),
            contactsDeleted: UInt32(clamping: removed.contacts))
    }
}

extension WriteOutcome {
    /// What a deletion removed; zeros for other outcomes.
    var deleted: (devices: Int, shares: Int, contacts: Int) {
        if case let .deleted(devices, shares, contacts) = self { return (devices, shares, contacts) }
        return (0, 0, 0)
    }
}
