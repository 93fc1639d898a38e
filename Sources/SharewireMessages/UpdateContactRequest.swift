import CSharewireProto

/// Request of `ContactService/Update` (`sharewire.v1.UpdateContactRequest`).
///
/// Changes only the fields that are present; an empty string clears a field.
/// The email cannot change (delete and re-create the contact).
public struct UpdateContactRequest: ProtoMessage, Hashable {
    /// Which contact (CONTACT_NOT_FOUND if the caller has none with it).
    public var email: String
    /// Absent: unchanged; empty: cleared. At most 128 bytes.
    public var firstName: String?
    /// Absent: unchanged; empty: cleared. At most 128 bytes.
    public var lastName: String?
    /// Absent: unchanged; empty: cleared. At most 128 bytes.
    public var company: String?
    /// UNSPECIFIED leaves the language unchanged.
    public var language: LanguageCode

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        email: String = "",
        firstName: String? = nil,
        lastName: String? = nil,
        company: String? = nil,
        language: LanguageCode = .unspecified
    ) {
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.language = language
    }
}

extension UpdateContactRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__UpdateContactRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__update_contact_request__init)

    var cArenaHint: Int {
        CEncodingArena.hint(email)
            + CEncodingArena.hint(firstName ?? "")
            + CEncodingArena.hint(lastName ?? "")
            + CEncodingArena.hint(company ?? "")
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.email = arena.cString(email, field: "email")
        if let firstName {
            c.pointee.first_name_update_case = SHAREWIRE__V1__UPDATE_CONTACT_REQUEST__FIRST_NAME_UPDATE_FIRST_NAME
            c.pointee.first_name = arena.cString(firstName, field: "first_name")
        }
        if let lastName {
            c.pointee.last_name_update_case = SHAREWIRE__V1__UPDATE_CONTACT_REQUEST__LAST_NAME_UPDATE_LAST_NAME
            c.pointee.last_name = arena.cString(lastName, field: "last_name")
        }
        if let company {
            c.pointee.company_update_case = SHAREWIRE__V1__UPDATE_CONTACT_REQUEST__COMPANY_UPDATE_COMPANY
            c.pointee.company = arena.cString(company, field: "company")
        }
        c.pointee.language = .init(CEnum.wireValue(language))
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            email: try CDecoding.string(c.pointee.email, field: "email"),
            firstName: c.pointee.first_name_update_case == SHAREWIRE__V1__UPDATE_CONTACT_REQUEST__FIRST_NAME_UPDATE_FIRST_NAME
                ? try CDecoding.string(c.pointee.first_name, field: "first_name") : nil,
            lastName: c.pointee.last_name_update_case == SHAREWIRE__V1__UPDATE_CONTACT_REQUEST__LAST_NAME_UPDATE_LAST_NAME
                ? try CDecoding.string(c.pointee.last_name, field: "last_name") : nil,
            company: c.pointee.company_update_case == SHAREWIRE__V1__UPDATE_CONTACT_REQUEST__COMPANY_UPDATE_COMPANY
                ? try CDecoding.string(c.pointee.company, field: "company") : nil,
            language: CEnum.open(c.pointee.language.rawValue))
    }
}
