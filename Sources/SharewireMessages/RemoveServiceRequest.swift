import CSharewireProto

/// Request of `DeviceService/RemoveService` (`sharewire.v1.RemoveServiceRequest`).
///
/// Owner only. PORTS shares naming the service lose it.
public struct RemoveServiceRequest: ProtoMessage, Hashable {
    /// A device the caller owns.
    public var deviceID: String
    /// A service of that device (SERVICE_NOT_FOUND otherwise).
    public var serviceID: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceID: String = "", serviceID: String = "") {
        self.deviceID = deviceID
        self.serviceID = serviceID
    }
}

extension RemoveServiceRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RemoveServiceRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__remove_service_request__init)

    var cArenaHint: Int { CEncodingArena.hint(deviceID) + CEncodingArena.hint(serviceID) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.service_id = arena.cString(serviceID, field: "service_id")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            serviceID: try CDecoding.string(c.pointee.service_id, field: "service_id"))
    }
}
