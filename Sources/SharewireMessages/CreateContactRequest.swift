import CSharewireProto

/// Request of `ContactService/Create` (`sharewire.v1.CreateContactRequest`).
public struct CreateContactRequest: ProtoMessage, Hashable {
    /// Required; at most 254 bytes; not the caller's own (CONTACT_IS_SELF);
    /// CONTACT_EXISTS if already a contact. At most 10,000 contacts per account.
    public var email: String
    /// Optional; at most 128 bytes.
    public var firstName: String
    /// Optional; at most 128 bytes.
    public var lastName: String
    /// Optional; at most 128 bytes.
    public var company: String
    /// UNSPECIFIED means EN.
    public var language: LanguageCode

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        email: String = "",
        firstName: String = "",
        lastName: String = "",
        company: String = "",
        language: LanguageCode = .unspecified
    ) {
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.language = language
    }
}

extension CreateContactRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CreateContactRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__create_contact_request__init)

    var cArenaHint: Int {
        CEncodingArena.hint(email)
            + CEncodingArena.hint(firstName)
            + CEncodingArena.hint(lastName)
            + CEncodingArena.hint(company)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.email = arena.cString(email, field: "email")
        c.pointee.first_name = arena.cString(firstName, field: "first_name")
        c.pointee.last_name = arena.cString(lastName, field: "last_name")
        c.pointee.company = arena.cString(company, field: "company")
        c.pointee.language = .init(CEnum.wireValue(language))
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            email: try CDecoding.string(c.pointee.email, field: "email"),
            firstName: try CDecoding.string(c.pointee.first_name, field: "first_name"),
            lastName: try CDecoding.string(c.pointee.last_name, field: "last_name"),
            company: try CDecoding.string(c.pointee.company, field: "company"),
            language: CEnum.open(c.pointee.language.rawValue))
    }
}
