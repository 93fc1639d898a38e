import CSharewireProto

/// Response of `DeviceService/RemoveService` (`sharewire.v1.RemoveServiceResponse`).
public struct RemoveServiceResponse: ProtoMessage, Hashable {
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(revision: UInt64 = 0) {
        self.revision = revision
    }
}

extension RemoveServiceResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RemoveServiceResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__remove_service_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            revision: c.pointee.revision)
    }
}
