import CSharewireProto

/// Response of `DeviceService/Get` (`sharewire.v1.GetDeviceResponse`).
public struct GetDeviceResponse: ProtoMessage, Hashable {
    /// The device as the caller sees it.
    public var device: DeviceInfo
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(device: DeviceInfo = DeviceInfo(), revision: UInt64 = 0) {
        self.device = device
        self.revision = revision
    }
}

extension GetDeviceResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__GetDeviceResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__get_device_response__init)

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
