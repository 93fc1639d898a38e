import CSharewireProto

/// Request of `DeviceService/AddService` (`sharewire.v1.AddServiceRequest`).
///
/// Owner only. A device has at most 64 services.
public struct AddServiceRequest: ProtoMessage, Hashable {
    /// A device the caller owns.
    public var deviceID: String
    /// The service to add.
    public var service: NewService

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceID: String = "", service: NewService = NewService()) {
        self.deviceID = deviceID
        self.service = service
    }
}

extension AddServiceRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__AddServiceRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__add_service_request__init)

    var cArenaHint: Int { CEncodingArena.hint(deviceID) + CEncodingArena.hint(message: service) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.service = arena.nested(service, field: "service")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            service: try CDecoding.message(c.pointee.service, of: NewService.self, field: "service") ?? NewService())
    }
}
