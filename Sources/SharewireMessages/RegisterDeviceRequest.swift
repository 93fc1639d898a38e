import CSharewireProto

/// Request of `DeviceService/Register` (`sharewire.v1.RegisterDeviceRequest`).
///
/// Registers a device owned by the caller (at most 10,000 per account).
public struct RegisterDeviceRequest: ProtoMessage, Hashable {
    /// Required; at most 128 bytes.
    public var name: String
    /// At most 64.
    public var services: [NewService]

    /// Creates a message; every field defaults to its proto3 default.
    public init(name: String = "", services: [NewService] = []) {
        self.name = name
        self.services = services
    }
}

extension RegisterDeviceRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RegisterDeviceRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__register_device_request__init)

    var cArenaHint: Int { CEncodingArena.hint(name) + CEncodingArena.hint(repeated: services) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.name = arena.cString(name, field: "name")
        (c.pointee.n_services, c.pointee.services) = arena.repeated(services, field: "services")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            name: try CDecoding.string(c.pointee.name, field: "name"),
            services: try CDecoding.repeated(c.pointee.n_services, c.pointee.services, of: NewService.self, field: "services"))
    }
}
