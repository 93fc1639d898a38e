/// A user of the service.
public struct Account: Hashable, Sendable, Codable {
    public let id: AccountID
    /// Unique across accounts (case-insensitive).
    public var email: Email
    public var language: Language
    /// SHA-256 of the API key. The key itself is shown once, at creation.
    public var apiKeyHash: APIKeyHash
    public var createdAt: Timestamp

    public init(id: AccountID, email: Email, language: Language, apiKeyHash: APIKeyHash, createdAt: Timestamp) {
        self.id = id
        self.email = email
        self.language = language
        self.apiKeyHash = apiKeyHash
        self.createdAt = createdAt
    }
}
