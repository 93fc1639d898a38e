import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.SharingService`: share, update, remove, leave, transfer,
/// and the owner's views of who has access.
///
/// Only a device's owner shares, updates, removes, lists shares, asks for
/// common sharees and transfers; a recipient may only leave. The domain
/// enforces it per device (`NOT_DEVICE_OWNER`, or `DEVICE_NOT_FOUND` for a
/// device the caller cannot see). Bulk writes are one command each, so they
/// are all-or-nothing.
struct SharingService: Sharewire_V1.SharingService.Handler {
    let env: ServiceEnvironment
    var authentication: ServiceAuthentication { env.authentication }

    func share(request: ShareRequest, caller: Caller, context: ServerContext) async throws -> ShareResponse {
        let (devices, access, expiresAt) = try env.domain {
            () throws(SharingError) -> ([DeviceID], AccessRequest, Timestamp?) in
            (
                try Parse.ids(request.deviceIDs, field: .deviceIds), try Parse.access(request.access),
                try Parse.expiry(request.expiresAtMs)
            )
        }
        let result = try await env.write(
            .share(
                devices: devices, emails: request.emails, access: access,
                notify: request.notify, expiresAt: expiresAt,
                requireAcceptance: request.requireAcceptance), as: caller,
            validateOnly: request.validateOnly)
        guard case let .count(created, updated, _) = result.outcome else {
            throw RPCError(.internal, "share returned no counts")
        }
        return ShareResponse(
            revision: result.revision, created: UInt32(clamping: created),
            updated: UInt32(clamping: updated))
    }

    func updateShare(
        request: UpdateShareRequest, caller: Caller,
        context: ServerContext
    ) async throws -> UpdateShareResponse {
        let (device, access, expiry) = try env.domain {
            () throws(SharingError) -> (DeviceID, AccessRequest, ExpiryUpdate) in
            (
                try Parse.id(request.deviceID, field: .deviceId), try Parse.access(request.access),
                try Parse.expiryUpdate(request.expiresAtMs)
            )
        }
        let result = try await env.write(
            .updateShare(
                device: device, email: request.email, access: access,
                notify: request.notify, expiry: expiry), as: caller,
            validateOnly: request.validateOnly)
        var changed = false
        if case let .count(_, updated, _) = result.outcome { changed = updated > 0 }
        return UpdateShareResponse(revision: result.revision, updated: changed)
    }

    func removeShares(
        request: RemoveSharesRequest, caller: Caller,
        context: ServerContext
    ) async throws -> RemoveSharesResponse {
        let devices: [DeviceID] = try env.domain { () throws(SharingError) in
            try Parse.ids(request.deviceIDs, field: .deviceIds)
        }
        let result = try await env.write(
            .removeShares(
                devices: devices, emails: request.emails,
                notify: request.notify), as: caller,
            validateOnly: request.validateOnly)
        return RemoveSharesResponse(revision: result.revision, removed: UInt32(clamping: result.outcome.removed))
    }

    func commonSharees(
        request: CommonShareesRequest, caller: Caller,
        context: ServerContext
    ) async throws -> CommonShareesResponse {
        let devices: [DeviceID] = try env.domain { () throws(SharingError) in
            try Parse.ids(request.deviceIDs, field: .deviceIds)
        }
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let sharees = try env.domain { () throws(SharingError) in
            try snapshot.state.commonSharees(caller.account, devices: devices, at: snapshot.now)
        }
        return CommonShareesResponse(sharees: sharees.map(Sharee.init), revision: snapshot.revision)
    }

    func leave(request: LeaveRequest, caller: Caller, context: ServerContext) async throws -> LeaveResponse {
        let devices: [DeviceID] = try env.domain { () throws(SharingError) in
            try Parse.ids(request.deviceIDs, field: .deviceIds)
        }
        // An absent `notify` notifies, as before the field existed.
        let result = try await env.write(
            .leave(devices: devices, notify: request.notify ?? true), as: caller,
            validateOnly: request.validateOnly)
        return LeaveResponse(revision: result.revision, left: UInt32(clamping: result.outcome.removed))
    }

    func listDeviceShares(
        request: ListDeviceSharesRequest, caller: Caller,
        context: ServerContext
    ) async throws -> ListDeviceSharesResponse {
        let device: DeviceID = try env.domain { () throws(SharingError) in
            try Parse.id(request.deviceID, field: .deviceId)
        }
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let page = try env.domain { () throws(SharingError) in
            try snapshot.state.listShares(
                caller.account, device: device, cursor: Parse.pageToken(request.pageToken),
                pageSize: Parse.pageSize(request.pageSize), at: snapshot.now)
        }
        let owned = try? snapshot.state.device(caller.account, device, at: snapshot.now).device
        return ListDeviceSharesResponse(
            shares: page.items.map { ShareInfo($0, on: owned) },
            nextPageToken: page.nextCursor ?? "",
            revision: snapshot.revision)
    }

    func transfer(request: TransferRequest, caller: Caller, context: ServerContext) async throws -> TransferResponse {
        let devices: [DeviceID] = try env.domain { () throws(SharingError) in
            try Parse.ids(request.deviceIDs, field: .deviceIds)
        }
        let result = try await env.write(
            .transfer(
                devices: devices, toEmail: request.toEmail,
                notify: request.notify ?? true), as: caller,
            validateOnly: request.validateOnly)
        return TransferResponse(revision: result.revision, transferred: UInt32(clamping: result.outcome.removed))
    }
}

/// `SharingService/AcceptInvitations` and `DeclineInvitations`: a recipient
/// answers its pending invitations (docs/DOMAIN.md §2, "Invitations").
extension SharingService {
    func acceptInvitations(
        request: RespondToInvitationsRequest, caller: Caller,
        context: ServerContext
    ) async throws -> RespondToInvitationsResponse {
        try await respond(request, accept: true, caller)
    }

    func declineInvitations(
        request: RespondToInvitationsRequest, caller: Caller,
        context: ServerContext
    ) async throws -> RespondToInvitationsResponse {
        try await respond(request, accept: false, caller)
    }

    private func respond(
        _ request: RespondToInvitationsRequest, accept: Bool,
        _ caller: Caller
    ) async throws -> RespondToInvitationsResponse {
        let devices: [DeviceID] = try env.domain { () throws(SharingError) in
            try Parse.ids(request.deviceIDs, field: .deviceIds)
        }
        let result = try await env.write(
            .respondToInvitations(devices: devices, accept: accept), as: caller,
            validateOnly: request.validateOnly)
        let answered: Int =
            switch result.outcome {
            case let .count(_, updated, removed): accept ? updated : removed
            default: 0
            }
        return RespondToInvitationsResponse(revision: result.revision, answered: UInt32(clamping: answered))
    }
}
