import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.AccountService`: account creation (service key only),
/// Whoami and the caller's named API keys.
struct AccountService: Sharewire_V1.AccountService.Handler {
    let env: ServiceEnvironment
    var authentication: ServiceAuthentication { env.authentication }

    func createAccount(request: CreateAccountRequest, context: ServerContext) async throws -> CreateAccountResponse {
        // Unspecified: inherited from the contact entries for this email (docs/DOMAIN.md).
        let language = try env.domain { () throws(SharingError) in try Parse.language(request.language) }
        let (result, key) = try await Self.createAccount(env, email: request.email, language: language)
        guard case let .account(account) = result.outcome else {
            throw RPCError(.internal, "account creation returned no account")
        }
        env.logger.info("account created", metadata: ["account": "\(account.id)"])
        return CreateAccountResponse(account: AccountInfo(account), apiKey: key, revision: result.revision)
    }

    func whoami(request: WhoamiRequest, caller: Caller, context: ServerContext) async throws -> WhoamiResponse {
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let account = try env.domain { () throws(SharingError) in try snapshot.state.whoami(caller.account) }
        return WhoamiResponse(account: AccountInfo(account), revision: snapshot.revision)
    }

    func createApiKey(
        request: CreateApiKeyRequest, caller: Caller,
        context: ServerContext
    ) async throws -> CreateApiKeyResponse {
        let result: WriteResult
        let key: String
        do {
            (result, key) = try await env.writer.createAPIKey(name: request.name, actor: caller.account)
        } catch {
            throw env.errors.status(for: error)
        }
        guard case let .apiKey(record) = result.outcome else {
            throw RPCError(.internal, "key creation returned no key")
        }
        env.logger.info("API key created", metadata: ["account": "\(caller.account)", "key": "\(record.id)"])
        return CreateApiKeyResponse(key: ApiKeyInfo(record, lastUsed: nil), apiKey: key, revision: result.revision)
    }

    func listApiKeys(
        request: ListApiKeysRequest, caller: Caller,
        context: ServerContext
    ) async throws -> ListApiKeysResponse {
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let keys = try env.domain { () throws(SharingError) in try snapshot.state.listAPIKeys(caller.account) }
        let used = try await env.storage("API key usage") {
            try await env.keyUsage.lastUsed(account: caller.account, keys: keys.map(\.id))
        }
        return ListApiKeysResponse(
            keys: keys.map { ApiKeyInfo($0, lastUsed: used[$0.id]) }, revision: snapshot.revision)
    }

    func revokeApiKey(
        request: RevokeApiKeyRequest, caller: Caller,
        context: ServerContext
    ) async throws -> RevokeApiKeyResponse {
        let id = try env.domain { () throws(SharingError) in try APIKeyID.parse(request.keyID, field: .keyId) }
        let result = try await env.write(.revokeAPIKey(id), as: caller)
        guard case let .apiKey(record) = result.outcome else {
            throw RPCError(.internal, "key revocation returned no key")
        }
        env.logger.info("API key revoked", metadata: ["account": "\(caller.account)", "key": "\(record.id)"])
        return RevokeApiKeyResponse(key: ApiKeyInfo(record, lastUsed: nil), revision: result.revision)
    }

    private static func createAccount(
        _ env: ServiceEnvironment, email: String,
        language: Language?
    ) async throws(RPCError) -> (WriteResult, String) {
        do {
            return try await env.writer.createAccount(email: email, language: language)
        } catch {
            throw env.errors.status(for: error)
        }
    }
}
