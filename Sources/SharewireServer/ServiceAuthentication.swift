import SharewireMessages
import SharewireRPC
import SharingDomain

/// The sharing services' side of the service pipeline (``CallAuthentication``):
/// each call of an `ACCOUNT` or `SERVICE_KEY` method is authenticated here,
/// once, against the latest snapshot, before its handler runs; a `PRINCIPAL`
/// method's call (Check, WatchAccessChanges) against the first snapshot that
/// includes its `min_revision`, which its handler then answers from.
struct ServiceAuthentication: CallAuthentication {
    let auth: Authenticator
    let snapshots: SharingSnapshots
    let reads: ReadConsistency

    func account(_ context: ServerContext) throws(RPCError) -> Caller {
        try auth.caller(context, in: snapshots.latest())
    }

    func requireService(_ context: ServerContext, for method: MethodID) throws(RPCError) {
        try auth.requireServiceKey(context, in: snapshots.latest(), action: Self.action(method))
    }

    func immediatePrincipal(_ context: ServerContext, atLeast revision: UInt64) throws(RPCError)
        -> AuthenticatedRead?
    {
        guard let snapshot = reads.ready(revision) else { return nil }
        return AuthenticatedRead(principal: try auth.principal(context, in: snapshot), snapshot: snapshot)
    }

    func principal(_ context: ServerContext, atLeast revision: UInt64) async throws(RPCError) -> AuthenticatedRead {
        let snapshot = try await reads.snapshot(atLeast: revision, context: context)
        return AuthenticatedRead(principal: try auth.principal(context, in: snapshot), snapshot: snapshot)
    }

    /// What a refusal says the service key is needed for.
    static func action(_ method: MethodID) -> String {
        switch method {
        case .accountCreateAccount: "account creation"
        case .notificationWatchNotifications, .notificationAckNotifications: "the notification outbox"
        // A SERVICE_KEY method added to the schema without a phrase here: its path.
        default: method.path
        }
    }
}

/// What a `PRINCIPAL` handler receives: who the call is from, and the
/// snapshot (at least at the request's `min_revision`) that was authenticated
/// against, which the handler answers from. Authenticating and answering from
/// one snapshot means a key revoked at revision R is refused by any answer
/// that reflects R.
struct AuthenticatedRead: Sendable {
    let principal: Authenticator.Principal
    let snapshot: SharingSnapshots.Snapshot
}
