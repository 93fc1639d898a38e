import CSharewireProto

/// Response of `ContactService/Delete` (`sharewire.v1.DeleteContactResponse`).
public struct DeleteContactResponse: ProtoMessage, Hashable {
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64
    /// Shares revoked with the contact.
    public var sharesRemoved: UInt32

    /// Creates a message; every field defaults to its proto3 default.
    public init(revision: UInt64 = 0, sharesRemoved: UInt32 = 0) {
        self.revision = revision
        self.sharesRemoved = sharesRemoved
    }
}

extension DeleteContactResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__DeleteContactResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__delete_contact_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.revision = revision
        c.pointee.shares_removed = sharesRemoved
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            revision: c.pointee.revision,
            sharesRemoved: c.pointee.shares_removed)
    }
}
