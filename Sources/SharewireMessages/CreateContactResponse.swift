import CSharewireProto

/// Response of `ContactService/Create` (`sharewire.v1.CreateContactResponse`).
public struct CreateContactResponse: ProtoMessage, Hashable {
    /// The new contact.
    public var contact: ContactInfo
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(contact: ContactInfo = ContactInfo(), revision: UInt64 = 0) {
        self.contact = contact
        self.revision = revision
    }
}

extension CreateContactResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CreateContactResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__create_contact_response__init)

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
