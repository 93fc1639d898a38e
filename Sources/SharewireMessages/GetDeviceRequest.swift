import CSharewireProto

/// Request of `DeviceService/Get` (`sharewire.v1.GetDeviceRequest`).
///
/// A device the caller owns or received; DEVICE_NOT_FOUND otherwise.
public struct GetDeviceRequest: ProtoMessage, Hashable {
    /// A device the caller owns or received.
    public var deviceID: String
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceID: String = "", minRevision: UInt64 = 0) {
        self.deviceID = deviceID
        self.minRevision = minRevision
    }
}

extension GetDeviceRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__GetDeviceRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__get_device_request__init)

    var cArenaHint: Int { CEncodingArena.hint(deviceID) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            minRevision: c.pointee.min_revision)
    }
}
