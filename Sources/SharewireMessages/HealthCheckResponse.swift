import CSharewireProto

/// Response of `Health/Check` and `Health/Watch` (`sharewire.v1.HealthCheckResponse`).
public struct HealthCheckResponse: ProtoMessage, Hashable {
    /// Serving status of a service, after `grpc.health.v1`.
    public enum ServingStatus: Int32, Sendable, Hashable, CaseIterable {
        case unknown = 0
        case serving = 1
        case notServing = 2
        case serviceUnknown = 3
    }

    /// Decoding is lenient here: a status value this build does not know
    /// (sent by a newer peer; proto3 enums are open) decodes as `.unknown`,
    /// which is what a health client must assume anyway. It never throws
    /// `.invalidEnum`.
    public var status: ServingStatus

    public init(status: ServingStatus = .unknown) {
        self.status = status
    }
}

extension HealthCheckResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__HealthCheckResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__health_check_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.status = .init(CEnum.wireValue(status))
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(status: CEnum.lenient(c.pointee.status.rawValue, default: .unknown))
    }
}
