#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An account: someone who owns devices and contacts and receives shares.
public struct Account: Sendable, Hashable, Codable, Identifiable, CustomStringConvertible {
    /// `acc_N`.
    public var id: String
    /// Lower-cased; unique across accounts.
    public var email: String
    /// The language of its notifications.
    public var language: Language
    /// When it was created.
    public var createdAt: Date

    /// An account value.
    public init(id: String, email: String, language: Language, createdAt: Date) {
        self.id = id
        self.email = email
        self.language = language
        self.createdAt = createdAt
    }

    /// `acc_1 alice@example.com (en)`.
    public var description: String { "\(id) \(email) (\(language))" }
}

/// A new account and its API key, which the server returns only this once.
public struct CreatedAccount: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The account.
    public var account: Account
    /// Its API key (`sw_` + 64 hex digits): store it now, it cannot be read again.
    public var apiKey: String
    /// The revision that created it.
    public var revision: Revision

    /// A created account.
    public init(account: Account, apiKey: String, revision: Revision) {
        self.account = account
        self.apiKey = apiKey
        self.revision = revision
    }

    /// The account and its key.
    public var description: String { "\(account) key \(apiKey)" }
}

/// One of an account's named API keys (the key itself is never shown again
/// after it is created).
public struct APIKey: Sendable, Hashable, Codable, Identifiable, CustomStringConvertible {
    /// `key_N`. The key an account is created with is named `default`.
    public var id: String
    /// Unique among the account's keys.
    public var name: String
    /// When it was created.
    public var createdAt: Date
    /// When a call last authenticated with it, to about a minute; `nil`: never.
    public var lastUsedAt: Date?

    /// An API key value.
    public init(id: String, name: String, createdAt: Date, lastUsedAt: Date?) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    /// `key_2 laptop`.
    public var description: String { "\(id) \(name)" }
}

/// A new API key: returned by the server only this once.
public struct CreatedAPIKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The key's record.
    public var key: APIKey
    /// The key itself (`sw_` + 64 hex digits): store it now, it cannot be read again.
    public var apiKey: String
    /// The revision that created it.
    public var revision: Revision

    /// A created key.
    public init(key: APIKey, apiKey: String, revision: Revision) {
        self.key = key
        self.apiKey = apiKey
        self.revision = revision
    }

    /// The record and the key.
    public var description: String { "\(key) \(apiKey)" }
}
