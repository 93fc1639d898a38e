import SharewireMessages
import SharewireRPC
import SharingDomain

/// `sharewire.v1.AccountService`: account creation (service key only) and Whoami.
struct AccountService: Sharewire_V1.AccountService.Handler {
    let env: ServiceEnvironment

    func createAccount(request: CreateAccountRequest, context: ServerContext) async throws -> CreateAccountResponse {
        try env.requireServiceKey(context, action: "account creation")
        // Unspecified: inherited from the contact entries for this email (docs/DOMAIN.md).
        let language = try env.domain { () throws(SharingError) in try Parse.language(request.language) }
        let (result, key) = try await Self.createAccount(env, email: request.email, language: language)
        guard case let .account(account) = result.outcome else {
            throw RPCError(.internal, "account creation returned no account")
        }
        env.logger.info("account created", metadata: ["account": "\(account.id)"])
        return CreateAccountResponse(account: AccountInfo(account), apiKey: key, revision: result.revision)
    }

    func whoami(request: WhoamiRequest, context: ServerContext) async throws -> WhoamiResponse {
        let caller = try env.caller(context)
        let snapshot = try await env.read(atLeast: request.minRevision, context)
        let account = try env.domain { () throws(SharingError) in try snapshot.state.whoami(caller.account) }
        return WhoamiResponse(account: AccountInfo(account), revision: snapshot.revision)
    }

    private static func createAccount(_ env: ServiceEnvironment, email: String,
                                      language: Language?) async throws(RPCError) -> (WriteResult, String) {
        do {
            return try await env.writer.createAccount(email: email, language: language)
        } catch {
            throw env.errors.status(for: error)
        }
    }
}
