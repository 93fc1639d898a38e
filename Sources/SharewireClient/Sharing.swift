internal import SharewireMessages

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension SharewireClient {
    /// Shares every device with every email, all with the same access
    /// (all-or-nothing, acknowledged once durable).
    ///
    /// ```swift
    /// try await client.share(devices: ["dev_1", "dev_2"], with: ["bob@example.com"], access: .all, scripting: true)
    /// ```
    ///
    /// Each email must be a contact of the caller with an account
    /// (FAILED_PRECONDITION `CONTACT_HAS_NO_ACCOUNT` naming the email: invite
    /// them first). Re-sharing replaces a person's access; identical access is
    /// a no-op. At most 10,000 (device, email) pairs (server default).
    /// - Parameters:
    ///   - devices: device ids the caller owns.
    ///   - emails: contact emails.
    ///   - access: what they may reach.
    ///   - scripting: whether they may run scripts.
    ///   - expiresAt: when access ends (Check says no from that instant; a
    ///     `share.expired` event and notifications follow), or `nil` for no time
    ///     limit. A re-share replaces the expiry. After the server's time, at
    ///     most 3,650 days ahead (server default).
    ///   - notify: whether recipients are notified (one notification each).
    ///   - validateOnly: run every rule and answer what the call would do,
    ///     changing nothing (a dry run; docs/PROTOCOL.md §17.4).
    @discardableResult
    public func share(
        devices: [String], with emails: [String], access: ShareAccess, scripting: Bool = false,
        expiresAt: Date? = nil, requireAcceptance: Bool = false, notify: Bool = true,
        validateOnly: Bool = false, options: CallOptions = .default
    ) async throws(SharewireError) -> ShareResult {
        let request = ShareRequest(
            deviceIDs: devices, emails: emails, access: access.wire(scripting: scripting),
            notify: notify, validateOnly: validateOnly,
            expiresAtMs: expiresAt.map(\.milliseconds) ?? 0, requireAcceptance: requireAcceptance)
        let response = try await stubs.sharing.share(request, options: options)
        return ShareResult(
            created: Int(response.created), updated: Int(response.updated),
            revision: Revision(response.revision))
    }

    /// Replaces one person's access to one device, and keeps, clears or moves its time limit.
    /// - Returns: `count` 1 if the access or expiry changed, 0 if both were identical.
    /// - Throws: NOT_FOUND `SHARE_NOT_FOUND` if the person has no share on it.
    /// `validateOnly`: a dry run, as for ``share(devices:with:access:scripting:expiresAt:notify:validateOnly:options:)``.
    @discardableResult
    public func updateShare(
        device deviceID: String, email: String, access: ShareAccess, scripting: Bool = false,
        expiry: ShareExpiryUpdate = .keep, notify: Bool = true, validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> WriteResult {
        let expiresAtMs: Int64? =
            switch expiry {
            case .keep: nil
            case .clear: 0
            case let .at(date): date.milliseconds
            }
        let request = UpdateShareRequest(
            deviceID: deviceID, email: email, access: access.wire(scripting: scripting),
            notify: notify, validateOnly: validateOnly, expiresAtMs: expiresAtMs)
        let response = try await stubs.sharing.updateShare(request, options: options)
        return WriteResult(count: response.updated ? 1 : 0, revision: Revision(response.revision))
    }

    /// Stops sharing every device with every email (pairs without a share
    /// are no-ops).
    /// - Returns: `count` = shares removed. Pass its `revision` to a later
    ///   check (or rely on read-your-writes) so the revoked person is refused.
    ///   `validateOnly`: a dry run (nothing removed; the count is what would be).
    @discardableResult
    public func removeShares(
        devices: [String], from emails: [String], notify: Bool = true, validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> WriteResult {
        let response = try await stubs.sharing.removeShares(
            RemoveSharesRequest(deviceIDs: devices, emails: emails, notify: notify, validateOnly: validateOnly),
            options: options)
        return WriteResult(count: Int(response.removed), revision: Revision(response.revision))
    }

    /// The people shared on *every* one of these devices (what a bulk
    /// stop-sharing may offer), sorted by email.
    public func commonSharees(
        devices: [String],
        options: CallOptions = .default
    ) async throws(SharewireError) -> [Sharee] {
        let response = try await stubs.sharing.commonSharees(
            CommonShareesRequest(deviceIDs: devices, minRevision: minRevision(options)), options: options)
        return response.sharees.map(Sharee.init)
    }

    /// Gives up the caller's access to devices shared with it.
    /// - Parameter notify: whether each owner is notified (false for a caller that sends its own message).
    /// - Returns: `count` = shares given up (with `validateOnly`, that would be; nothing changes).
    @discardableResult
    public func leave(
        devices: [String], notify: Bool = true, validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> WriteResult {
        let response = try await stubs.sharing.leave(
            LeaveRequest(deviceIDs: devices, validateOnly: validateOnly, notify: notify), options: options)
        return WriteResult(count: Int(response.left), revision: Revision(response.revision))
    }

    /// One page of the shares of a device the caller owns, in recipient id order.
    public func listShares(
        device deviceID: String, pageSize: Int? = nil, pageToken: String? = nil,
        options: CallOptions = .default
    ) async throws(SharewireError) -> Page<Share> {
        let request = ListDeviceSharesRequest(
            deviceID: deviceID, pageSize: UInt32(clamping: pageSize ?? 0),
            pageToken: pageToken ?? "", minRevision: minRevision(options))
        let response = try await stubs.sharing.listDeviceShares(request, options: options)
        return Page(
            items: response.shares.map(Share.init), nextPageToken: response.nextPageToken.nonEmpty,
            revision: Revision(response.revision))
    }

    /// Every share of a device the caller owns, fetching pages as needed.
    public func shares(
        of deviceID: String, pageSize: Int? = nil,
        options: CallOptions = .default
    ) -> PageSequence<Share> {
        PageSequence { token throws(SharewireError) in
            try await self.listShares(device: deviceID, pageSize: pageSize, pageToken: token, options: options)
        }
    }

    /// Gives devices to one of the caller's contacts; every share on them is removed.
    /// - Parameter email: a contact of the caller that has an account (`CONTACT_NOT_FOUND`,
    ///   `CONTACT_HAS_NO_ACCOUNT` otherwise), not the caller.
    /// - Parameter notify: whether the sender, the receiver and each former recipient are notified.
    /// - Returns: `count` = devices transferred (with `validateOnly`, that would be; nothing changes).
    @discardableResult
    public func transfer(
        devices: [String], to email: String, notify: Bool = true, validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> WriteResult {
        let response = try await stubs.sharing.transfer(
            TransferRequest(deviceIDs: devices, toEmail: email, validateOnly: validateOnly, notify: notify),
            options: options)
        return WriteResult(count: Int(response.transferred), revision: Revision(response.revision))
    }
}

extension SharewireClient {
    /// Accepts the caller's pending invitations to these devices (shares made
    /// with `requireAcceptance`): from now on they give their access. All or
    /// nothing: a device with no pending invitation for the caller fails the
    /// call (SHARE_NOT_FOUND; DEVICE_NOT_FOUND when nothing is shared).
    /// - Returns: how many were accepted, and the revision.
    public func acceptInvitations(
        devices: [String], validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> WriteResult {
        let response = try await stubs.sharing.acceptInvitations(
            RespondToInvitationsRequest(deviceIDs: devices, validateOnly: validateOnly), options: options)
        return WriteResult(count: Int(response.answered), revision: Revision(response.revision))
    }

    /// Declines the caller's pending invitations to these devices: the
    /// shares are removed. All or nothing, like ``acceptInvitations(devices:validateOnly:options:)``.
    public func declineInvitations(
        devices: [String], validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> WriteResult {
        let response = try await stubs.sharing.declineInvitations(
            RespondToInvitationsRequest(deviceIDs: devices, validateOnly: validateOnly), options: options)
        return WriteResult(count: Int(response.answered), revision: Revision(response.revision))
    }
}
