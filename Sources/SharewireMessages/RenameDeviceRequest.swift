import CSharewireProto

/// Request of `DeviceService/Rename` (`sharewire.v1.RenameDeviceRequest`).
///
/// Owner only (NOT_DEVICE_OWNER for a recipient).
public struct RenameDeviceRequest: ProtoMessage, Hashable {
    /// A device the caller owns.
    public var deviceID: String
    /// Required; at most 128 bytes.
    public var name: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceID: String = "", name: String = "") {
        self.deviceID = deviceID
        self.name = name
    }
}

extension RenameDeviceRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RenameDeviceRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__rename_device_request__init)

    var cArenaHint: Int { CEncodingArena.hint(deviceID) + CEncodingArena.hint(name) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.name = arena.cString(name, field: "name")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            name: try CDecoding.string(c.pointee.name, field: "name"))
    }
}
