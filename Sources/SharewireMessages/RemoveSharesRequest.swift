import CSharewireProto

/// Request of `SharingService/RemoveShares` (`sharewire.v1.RemoveSharesRequest`).
///
/// Removes the share of every (device, email) pair that has one. Pairs
/// without a share and emails without an account are no-ops (idempotent).
public struct RemoveSharesRequest: ProtoMessage, Hashable {
    /// The caller's devices; at least one.
    public var deviceIDs: [String]
    /// device_ids x emails at most 10,000 pairs.
    public var emails: [String]
    /// Whether each former recipient is notified (once).
    public var notify: Bool

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceIDs: [String] = [], emails: [String] = [], notify: Bool = false) {
        self.deviceIDs = deviceIDs
        self.emails = emails
        self.notify = notify
    }
}

extension RemoveSharesRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RemoveSharesRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__remove_shares_request__init)

    var cArenaHint: Int { CEncodingArena.hint(strings: deviceIDs) + CEncodingArena.hint(strings: emails) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_device_ids, c.pointee.device_ids) = arena.cStrings(deviceIDs, field: "device_ids")
        (c.pointee.n_emails, c.pointee.emails) = arena.cStrings(emails, field: "emails")
        c.pointee.notify = notify ? 1 : 0
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceIDs: try CDecoding.strings(c.pointee.n_device_ids, c.pointee.device_ids, field: "device_ids"),
            emails: try CDecoding.strings(c.pointee.n_emails, c.pointee.emails, field: "emails"),
            notify: c.pointee.notify != 0)
    }
}
