import CSharewireProto

/// Request of `ContactService/Delete` (`sharewire.v1.DeleteContactRequest`).
///
/// Deletes a contact and revokes every share the caller gave that person, on
/// the caller's devices, in the same write (docs/DOMAIN.md §2).
public struct DeleteContactRequest: ProtoMessage, Hashable {
    /// The contact to delete (CONTACT_NOT_FOUND if none).
    public var email: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(email: String = "") {
        self.email = email
    }
}

extension DeleteContactRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__DeleteContactRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__delete_contact_request__init)

    var cArenaHint: Int { CEncodingArena.hint(email) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.email = arena.cString(email, field: "email")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            email: try CDecoding.string(c.pointee.email, field: "email"))
    }
}
