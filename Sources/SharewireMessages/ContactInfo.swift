import CSharewireProto

/// One entry of the caller's address book (`sharewire.v1.ContactInfo`).
public struct ContactInfo: ProtoMessage, Hashable {
    /// "con_N".
    public var id: String
    /// Lower-cased; unique within the owner's contacts; immutable.
    public var email: String
    /// Empty when not set.
    public var firstName: String
    /// Empty when not set.
    public var lastName: String
    /// Empty when not set.
    public var company: String
    /// EN or JA: the language of the contact's invite.
    public var language: LanguageCode
    /// Whether an account with this email exists now (derived).
    public var hasAccount: Bool
    /// When the last invite was queued; 0 if never invited.
    public var invitedAtMs: Int64
    /// When it was created.
    public var createdAtMs: Int64
    /// When it last changed.
    public var updatedAtMs: Int64

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        id: String = "",
        email: String = "",
        firstName: String = "",
        lastName: String = "",
        company: String = "",
        language: LanguageCode = .unspecified,
        hasAccount: Bool = false,
        invitedAtMs: Int64 = 0,
        createdAtMs: Int64 = 0,
        updatedAtMs: Int64 = 0
    ) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.language = language
        self.hasAccount = hasAccount
        self.invitedAtMs = invitedAtMs
        self.createdAtMs = createdAtMs
        self.updatedAtMs = updatedAtMs
    }
}

extension ContactInfo: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ContactInfo
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__contact_info__init)

    var cArenaHint: Int {
        CEncodingArena.hint(id)
            + CEncodingArena.hint(email)
            + CEncodingArena.hint(firstName)
            + CEncodingArena.hint(lastName)
            + CEncodingArena.hint(company)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.id = arena.cString(id, field: "id")
        c.pointee.email = arena.cString(email, field: "email")
        c.pointee.first_name = arena.cString(firstName, field: "first_name")
        c.pointee.last_name = arena.cString(lastName, field: "last_name")
        c.pointee.company = arena.cString(company, field: "company")
        c.pointee.language = .init(CEnum.wireValue(language))
        c.pointee.has_account = hasAccount ? 1 : 0
        c.pointee.invited_at_ms = invitedAtMs
        c.pointee.created_at_ms = createdAtMs
        c.pointee.updated_at_ms = updatedAtMs
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            id: try CDecoding.string(c.pointee.id, field: "id"),
            email: try CDecoding.string(c.pointee.email, field: "email"),
            firstName: try CDecoding.string(c.pointee.first_name, field: "first_name"),
            lastName: try CDecoding.string(c.pointee.last_name, field: "last_name"),
            company: try CDecoding.string(c.pointee.company, field: "company"),
            language: CEnum.open(c.pointee.language.rawValue),
            hasAccount: c.pointee.has_account != 0,
            invitedAtMs: c.pointee.invited_at_ms,
            createdAtMs: c.pointee.created_at_ms,
            updatedAtMs: c.pointee.updated_at_ms)
    }
}
