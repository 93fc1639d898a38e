import CSharewireProto

/// Request of `ContactService/Invite` (`sharewire.v1.InviteContactRequest`).
///
/// Queues an invite notification to a contact without an account, in the
/// contact's language, and stamps invited_at_ms. CONTACT_HAS_ACCOUNT if the
/// person already has an account.
public struct InviteContactRequest: ProtoMessage, Hashable {
    /// The contact to invite (CONTACT_NOT_FOUND if none).
    public var email: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(email: String = "") {
        self.email = email
    }
}

extension InviteContactRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__InviteContactRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__invite_contact_request__init)

    var cArenaHint: Int { CEncodingArena.hint(email) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.email = arena.cString(email, field: "email")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            email: try CDecoding.string(c.pointee.email, field: "email"))
    }
}
