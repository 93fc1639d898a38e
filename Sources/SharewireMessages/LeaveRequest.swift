import CSharewireProto

/// Request of `SharingService/Leave` (`sharewire.v1.LeaveRequest`).
///
/// The caller, a recipient, gives up its access to these devices
/// (SHARE_NOT_FOUND for a device not shared with it). Each owner is notified.
public struct LeaveRequest: ProtoMessage, Hashable {
    /// At least one, at most 1,000.
    public var deviceIDs: [String]

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceIDs: [String] = []) {
        self.deviceIDs = deviceIDs
    }
}

extension LeaveRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__LeaveRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__leave_request__init)

    var cArenaHint: Int { CEncodingArena.hint(strings: deviceIDs) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_device_ids, c.pointee.device_ids) = arena.cStrings(deviceIDs, field: "device_ids")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceIDs: try CDecoding.strings(c.pointee.n_device_ids, c.pointee.device_ids, field: "device_ids"))
    }
}
