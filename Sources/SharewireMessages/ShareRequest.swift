import CSharewireProto

/// Request of `SharingService/Share` (`sharewire.v1.ShareRequest`).
///
/// Shares every device with every email, all with the same access.
/// Each email must be a contact of the caller (CONTACT_NOT_FOUND) with an
/// account (CONTACT_HAS_NO_ACCOUNT: invite them first), and not the caller
/// (SHARE_TO_SELF). Re-sharing to someone who has access replaces it;
/// identical access is a no-op. Duplicated ids and emails count once.
public struct ShareRequest: ProtoMessage, Hashable {
    /// The caller's devices ("dev_N"); at least one.
    public var deviceIDs: [String]
    /// Contact emails; at least one. device_ids x emails at most 10,000 pairs.
    public var emails: [String]
    /// The access every (device, email) pair gets.
    public var access: Access
    /// Whether recipients are notified (one notification per recipient).
    public var notify: Bool

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceIDs: [String] = [], emails: [String] = [], access: Access = Access(), notify: Bool = false) {
        self.deviceIDs = deviceIDs
        self.emails = emails
        self.access = access
        self.notify = notify
    }
}

extension ShareRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ShareRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__share_request__init)

    var cArenaHint: Int {
        CEncodingArena.hint(strings: deviceIDs)
            + CEncodingArena.hint(strings: emails)
            + CEncodingArena.hint(message: access)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_device_ids, c.pointee.device_ids) = arena.cStrings(deviceIDs, field: "device_ids")
        (c.pointee.n_emails, c.pointee.emails) = arena.cStrings(emails, field: "emails")
        c.pointee.access = arena.nested(access, field: "access")
        c.pointee.notify = notify ? 1 : 0
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceIDs: try CDecoding.strings(c.pointee.n_device_ids, c.pointee.device_ids, field: "device_ids"),
            emails: try CDecoding.strings(c.pointee.n_emails, c.pointee.emails, field: "emails"),
            access: try CDecoding.message(c.pointee.access, of: Access.self, field: "access") ?? Access(),
            notify: c.pointee.notify != 0)
    }
}
