/// An entry in an owner's address book. `(owner, email)` is unique.
///
/// The email cannot be changed: it is what the contact is (and what shares
/// reach). Delete and re-create instead.
public struct Contact: Hashable, Sendable, Codable {
    public let id: ContactID
    public let owner: AccountID
    public let email: Email
    public var firstName: String?
    public var lastName: String?
    public var company: String?
    public var language: Language
    /// When the last invite was queued, if any.
    public var invitedAt: Timestamp?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: ContactID, owner: AccountID, email: Email, firstName: String? = nil, lastName: String? = nil,
        company: String? = nil, language: Language = .en, invitedAt: Timestamp? = nil,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.owner = owner
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.language = language
        self.invitedAt = invitedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A contact as a list shows it: with the derived `hasAccount`.
public struct ContactView: Hashable, Sendable {
    public let contact: Contact
    /// Whether an account with the contact's email exists now.
    public let hasAccount: Bool
}
