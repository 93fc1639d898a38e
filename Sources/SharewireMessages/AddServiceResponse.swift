import CSharewireProto

/// Response of `DeviceService/AddService` (`sharewire.v1.AddServiceResponse`).
public struct AddServiceResponse: ProtoMessage, Hashable {
    /// The new service, with its id.
    public var service: ServiceInfo
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(service: ServiceInfo = ServiceInfo(), revision: UInt64 = 0) {
        self.service = service
        self.revision = revision
    }
}

extension AddServiceResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__AddServiceResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__add_service_response__init)

    var cArenaHint: Int { CEncodingArena.hint(message: service) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.service = arena.nested(service, field: "service")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            service: try CDecoding.message(c.pointee.service, of: ServiceInfo.self, field: "service") ?? ServiceInfo(),
            revision: c.pointee.revision)
    }
}
