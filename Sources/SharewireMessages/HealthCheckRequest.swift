import CSharewireProto

/// Request of `Health/Check` and `Health/Watch` (`sharewire.v1.HealthCheckRequest`).
public struct HealthCheckRequest: ProtoMessage, Hashable {
    /// Service name, e.g. `"sharewire.v1.Diagnostics"`; empty for the whole server.
    public var service: String

    public init(service: String = "") {
        self.service = service
    }
}

extension HealthCheckRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__HealthCheckRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__health_check_request__init)

    var cArenaHint: Int { CEncodingArena.hint(service) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.service = arena.cString(service, field: "service")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(service: try CDecoding.string(c.pointee.service, field: "service"))
    }
}
