import CSharewireProto

/// Request of `SharingService/Transfer` (`sharewire.v1.TransferRequest`).
///
/// Gives the caller's devices to another account. Every share on them is
/// removed; sender, receiver and former recipients are notified.
public struct TransferRequest: ProtoMessage, Hashable {
    /// At least one, at most 1,000.
    public var deviceIDs: [String]
    /// An existing account's email (ACCOUNT_NOT_FOUND otherwise), not the
    /// caller's (TRANSFER_TO_SELF). The receiver may own at most 10,000 devices.
    public var toEmail: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceIDs: [String] = [], toEmail: String = "") {
        self.deviceIDs = deviceIDs
        self.toEmail = toEmail
    }
}

extension TransferRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__TransferRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__transfer_request__init)

    var cArenaHint: Int { CEncodingArena.hint(strings: deviceIDs) + CEncodingArena.hint(toEmail) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_device_ids, c.pointee.device_ids) = arena.cStrings(deviceIDs, field: "device_ids")
        c.pointee.to_email = arena.cString(toEmail, field: "to_email")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceIDs: try CDecoding.strings(c.pointee.n_device_ids, c.pointee.device_ids, field: "device_ids"),
            toEmail: try CDecoding.string(c.pointee.to_email, field: "to_email"))
    }
}
