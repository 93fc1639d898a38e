internal import SharewireMessages

extension SharewireClient {
    /// Creates an account and returns it with its API key (shown only this once).
    ///
    /// Service key only (without act-as): PERMISSION_DENIED
    /// `SERVICE_KEY_REQUIRED` for an account's key.
    /// - Parameters:
    ///   - email: at most 254 bytes; ALREADY_EXISTS `ACCOUNT_EXISTS` if taken.
    ///   - language: of its notifications. Nil: the language the people who
    ///     have this email as a contact chose for it (the entry that invited
    ///     them last, else the one changed last), English if nobody does.
    public func createAccount(
        email: String, language: Language? = nil,
        options: CallOptions = .default
    ) async throws(SharewireError) -> CreatedAccount {
        let response = try await stubs.accounts.createAccount(
            CreateAccountRequest(email: email, language: language?.wire ?? .unspecified), options: options)
        return CreatedAccount(
            account: Account(response.account), apiKey: response.apiKey,
            revision: Revision(response.revision))
    }

    /// The account this client acts as.
    public func whoami(options: CallOptions = .default) async throws(SharewireError) -> Account {
        let response = try await stubs.accounts.whoami(
            WhoamiRequest(minRevision: minRevision(options)), options: options)
        return Account(response.account)
    }

    /// Adds a named API key to this client's account (for another machine or
    /// backend, or to replace a key: create, move the callers, revoke the old).
    ///
    /// - Throws: `.alreadyExists` (`API_KEY_NAME_IN_USE`) for a name the
    ///   account has; `.resourceExhausted` (`LIMIT_EXCEEDED`) at the limit.
    public func createAPIKey(name: String, options: CallOptions = .default) async throws(SharewireError)
        -> CreatedAPIKey
    {
        let response = try await stubs.accounts.createApiKey(CreateApiKeyRequest(name: name), options: options)
        return CreatedAPIKey(key: APIKey(response.key), apiKey: response.apiKey, revision: Revision(response.revision))
    }

    /// This client's account's API keys, oldest first, with when each was
    /// last used (to about a minute).
    public func apiKeys(options: CallOptions = .default) async throws(SharewireError) -> [APIKey] {
        let response = try await stubs.accounts.listApiKeys(
            ListApiKeysRequest(minRevision: minRevision(options)), options: options)
        return response.keys.map(APIKey.init)
    }

    /// Revokes one of this client's account's API keys (`key_N`): its next
    /// call fails with `.unauthenticated`, on every connection. A key may
    /// revoke itself.
    ///
    /// - Throws: `.notFound` (`API_KEY_NOT_FOUND`) for a key that is not the account's.
    @discardableResult
    public func revokeAPIKey(_ id: String, options: CallOptions = .default) async throws(SharewireError) -> APIKey {
        let response = try await stubs.accounts.revokeApiKey(RevokeApiKeyRequest(keyID: id), options: options)
        return APIKey(response.key)
    }

    /// The server's health (`Health/Check`); needs no credentials.
    public func health(options: CallOptions = .default) async throws(SharewireError) -> ServingStatus {
        let response = try await stubs.health.check(HealthCheckRequest(), options: options)
        return ServingStatus(response.status)
    }
}
