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
