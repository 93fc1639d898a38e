/// A user of the service.
public struct Account: Hashable, Sendable, Codable {
    public let id: AccountID
    /// Unique across accounts (case-insensitive).
    public var email: Email
    public var language: Language
    public var createdAt: Timestamp
    // Its API keys are ``APIKeyRecord``s: an account may have several.

    public init(id: AccountID, email: Email, language: Language, createdAt: Timestamp) {
        self.id = id
        self.email = email
        self.language = language
        self.createdAt = createdAt
    }
}
