#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An entry of the caller's address book. Shares go only to contacts.
public struct Contact: Sendable, Hashable, Codable, Identifiable, CustomStringConvertible {
    /// `con_N`.
    public var id: String
    /// Lower-cased; unique within the owner's contacts; immutable.
    public var email: String
    /// `nil` when not set.
    public var firstName: String?
    /// `nil` when not set.
    public var lastName: String?
    /// `nil` when not set.
    public var company: String?
    /// The language of the contact's invite.
    public var language: Language
    /// Whether an account with this email exists (only then can it receive shares).
    public var hasAccount: Bool
    /// When the last invite was queued; `nil` if never invited.
    public var invitedAt: Date?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// A contact value.
    public init(
        id: String, email: String, firstName: String? = nil, lastName: String? = nil, company: String? = nil,
        language: Language = .en, hasAccount: Bool = false, invitedAt: Date? = nil, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.language = language
        self.hasAccount = hasAccount
        self.invitedAt = invitedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// First and last name, when either is set.
    public var name: String? {
        let parts = [firstName, lastName].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// `con_1 bob@example.com "Bob Smith" (Acme) [account]`.
    public var description: String {
        var text = "\(id) \(email)"
        if let name { text += " \"\(name)\"" }
        if let company { text += " (\(company))" }
        text += hasAccount ? " [account]" : (invitedAt != nil ? " [invited]" : " [no account]")
        return text
    }
}

/// The result of deleting a contact: the shares revoked with it.
public struct DeleteContactResult: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Shares the caller had given that person, now revoked.
    public var sharesRemoved: Int
    /// The revision of the delete.
    public var revision: Revision

    /// A result value.
    public init(sharesRemoved: Int, revision: Revision) {
        self.sharesRemoved = sharesRemoved
        self.revision = revision
    }

    /// `deleted (2 shares removed) at r9`.
    public var description: String { "deleted (\(sharesRemoved) shares removed) at \(revision)" }
}
