import CSharewireProto

/// Response of `DeviceService/Register` (`sharewire.v1.RegisterDeviceResponse`).
public struct RegisterDeviceResponse: ProtoMessage, Hashable {
    /// The new device (role: owned).
    public var device: DeviceInfo
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(device: DeviceInfo = DeviceInfo(), revision: UInt64 = 0) {
        self.device = device
        self.revision = revision
    }
}

extension RegisterDeviceResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RegisterDeviceResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__register_device_response__init)

    var cArenaHint: Int { CEncodingArena.hint(message: device) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device = arena.nested(device, field: "device")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            device: try CDecoding.message(c.pointee.device, of: DeviceInfo.self, field: "device") ?? DeviceInfo(),
            revision: c.pointee.revision)
    }
}
