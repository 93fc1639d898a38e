import CSharewireProto

/// Response of `SharingService/UpdateShare` (`sharewire.v1.UpdateShareResponse`).
public struct UpdateShareResponse: ProtoMessage, Hashable {
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64
    /// False when the access was already identical (nothing changed).
    public var updated: Bool

    /// Creates a message; every field defaults to its proto3 default.
    public init(revision: UInt64 = 0, updated: Bool = false) {
        self.revision = revision
        self.updated = updated
    }
}

extension UpdateShareResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__UpdateShareResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__update_share_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.revision = revision
        c.pointee.updated = updated ? 1 : 0
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            revision: c.pointee.revision,
            updated: c.pointee.updated != 0)
    }
}
