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
    public func createAccount(email: String, language: Language? = nil,
                              options: CallOptions = .default) async throws(SharewireError) -> CreatedAccount {
        let response = try await stubs.accounts.createAccount(
            CreateAccountRequest(email: email, language: language?.wire ?? .unspecified), options: options)
        return CreatedAccount(account: Account(response.account), apiKey: response.apiKey,
                              revision: Revision(response.revision))
    }

    /// The account this client acts as.
    public func whoami(options: CallOptions = .default) async throws(SharewireError) -> Account {
        let response = try await stubs.accounts.whoami(
            WhoamiRequest(minRevision: minRevision(options)), options: options)
        return Account(response.account)
    }

    /// The server's health (`Health/Check`); needs no credentials.
    public func health(options: CallOptions = .default) async throws(SharewireError) -> ServingStatus {
        let response = try await stubs.health.check(HealthCheckRequest(), options: options)
        return ServingStatus(response.status)
    }
}
