internal import SharewireMessages

/// What deleting an account removed.
public struct AccountDeletion: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Devices deleted (with their services).
    public var devicesDeleted: Int
    /// Shares that ended: those of its devices and those it received.
    public var sharesRemoved: Int
    /// Entries of its address book deleted.
    public var contactsDeleted: Int
    /// The revision of the write (the current one for a dry run).
    public var revision: Revision

    /// `2 devices, 5 shares, 3 contacts at r40`.
    public var description: String {
        "\(devicesDeleted) devices, \(sharesRemoved) shares, \(contactsDeleted) contacts at \(revision)"
    }
}

extension SharewireClient {
    /// Deletes a device the caller owns, its services and every share of it
    /// (NOT_DEVICE_OWNER for a recipient, DEVICE_NOT_FOUND otherwise).
    /// - Parameters:
    ///   - notify: tell each recipient (`share.removed`); false for callers that send their own mail.
    ///   - validateOnly: a dry run: the count the call would have, nothing changed.
    /// - Returns: the shares that ended with it, and the revision.
    /// - Throws: LIMIT_EXCEEDED when the device has more shares than one write
    ///   may remove (10,000 by default): remove shares first.
    public func deleteDevice(
        _ deviceID: String, notify: Bool = true, validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> WriteResult {
        let response = try await stubs.devices.delete(
            DeleteDeviceRequest(deviceID: deviceID, validateOnly: validateOnly, notify: notify), options: options)
        return WriteResult(count: Int(response.sharesRemoved), revision: Revision(response.revision))
    }

    /// Deletes the calling account (its own key, or the service key acting
    /// for it): its devices and their shares, the shares it received, its
    /// address book; its API key stops working. Other owners' contact
    /// entries for it stay, with no account. Events are kept.
    /// - Parameters:
    ///   - confirmEmail: the account's own email (INVALID_ARGUMENT otherwise).
    ///   - notify: tell its devices' recipients and the owners who shared with it.
    ///   - validateOnly: a dry run: the counts the call would have, nothing changed.
    /// - Throws: LIMIT_EXCEEDED when devices and shares together exceed what
    ///   one write may remove (10,000 by default): delete devices first.
    public func deleteAccount(
        confirmEmail: String, notify: Bool = true, validateOnly: Bool = false,
        options: CallOptions = .default
    ) async throws(SharewireError) -> AccountDeletion {
        let response = try await stubs.accounts.deleteAccount(
            DeleteAccountRequest(confirmEmail: confirmEmail, validateOnly: validateOnly, notify: notify),
            options: options)
        return AccountDeletion(
            devicesDeleted: Int(response.devicesDeleted), sharesRemoved: Int(response.sharesRemoved),
            contactsDeleted: Int(response.contactsDeleted), revision: Revision(response.revision))
    }
}
