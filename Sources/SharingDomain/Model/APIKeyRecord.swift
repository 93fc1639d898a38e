/// One of an account's named API keys. The key itself is shown once, when it
/// is created; only its SHA-256 is kept.
///
/// An account has one or more keys (the first, `default`, comes with the
/// account); each authenticates as the account until it is revoked, which
/// deletes the record (the audit event stays). When a key was last used is
/// not part of this value: it changes on every call, so it is kept outside
/// the revisioned state (docs/SERVER.md, "API keys").
public struct APIKeyRecord: Hashable, Sendable, Codable {
    public let id: APIKeyID
    public let account: AccountID
    /// Unique among the account's keys; what `keys list` shows.
    public let name: String
    public let hash: APIKeyHash
    public let createdAt: Timestamp

    public init(id: APIKeyID, account: AccountID, name: String, hash: APIKeyHash, createdAt: Timestamp) {
        self.id = id
        self.account = account
        self.name = name
        self.hash = hash
        self.createdAt = createdAt
    }

    /// The name of the key an account is created with.
    public static let defaultName = "default"
}
