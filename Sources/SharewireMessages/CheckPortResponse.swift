import CSharewireProto

/// Response of `CheckService/Check` (`sharewire.v1.CheckPortResponse`).
public struct CheckPortResponse: ProtoMessage, Hashable {
    /// Whether the user may reach the port.
    public var allowed: Bool
    /// The revision the answer reflects (>= min_revision).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(allowed: Bool = false, revision: UInt64 = 0) {
        self.allowed = allowed
        self.revision = revision
    }
}

extension CheckPortResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CheckPortResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__check_port_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.allowed = allowed ? 1 : 0
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            allowed: c.pointee.allowed != 0,
            revision: c.pointee.revision)
    }
}
