import CSharewireProto

/// The caller's role for a device shared with it (`sharewire.v1.SharedDevice`).
public struct SharedDevice: ProtoMessage, Hashable {
    /// Email of the owner who shared it.
    public var sharedBy: String
    /// The access the caller was granted.
    public var access: Access

    /// Creates a message; every field defaults to its proto3 default.
    public init(sharedBy: String = "", access: Access = Access()) {
        self.sharedBy = sharedBy
        self.access = access
    }
}

extension SharedDevice: CBridgedMessage {
    typealias CMessage = Sharewire__V1__SharedDevice
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__shared_device__init)

    var cArenaHint: Int { CEncodingArena.hint(sharedBy) + CEncodingArena.hint(message: access) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.shared_by = arena.cString(sharedBy, field: "shared_by")
        c.pointee.access = arena.nested(access, field: "access")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            sharedBy: try CDecoding.string(c.pointee.shared_by, field: "shared_by"),
            access: try CDecoding.message(c.pointee.access, of: Access.self, field: "access") ?? Access())
    }
}
