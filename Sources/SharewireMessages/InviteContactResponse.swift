import CSharewireProto

/// Response of `ContactService/Invite` (`sharewire.v1.InviteContactResponse`).
public struct InviteContactResponse: ProtoMessage, Hashable {
    /// The contact, with invited_at_ms set.
    public var contact: ContactInfo
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(contact: ContactInfo = ContactInfo(), revision: UInt64 = 0) {
        self.contact = contact
        self.revision = revision
    }
}

extension InviteContactResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__InviteContactResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__invite_contact_response__init)

    var cArenaHint: Int { CEncodingArena.hint(message: contact) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.contact = arena.nested(contact, field: "contact")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            contact: try CDecoding.message(c.pointee.contact, of: ContactInfo.self, field: "contact") ?? ContactInfo(),
            revision: c.pointee.revision)
    }
}
