import SharewireMessages
import SharewireRPC
import SharingDomain

/// Authenticates every call from its metadata (docs/SERVER.md §Authentication).
///
/// - `authorization: Bearer sw_…`: an account's API key. Its SHA-256 is
///   looked up in the snapshot (the digest comparison is constant time, in
///   the domain).
/// - `authorization: Bearer <service key>` plus `x-sharewire-act-as: <acc_N
///   or email>`: the service key acting for that account.
///
/// Nothing here awaits: it runs on the hot path before Check.
public struct Authenticator: Sendable {
    /// The metadata key naming the account a service key acts for.
    public static let actAsKey = "x-sharewire-act-as"

    /// The configured service key, if any.
    public let serviceKey: ServiceKey?

    public init(serviceKey: ServiceKey?) {
        self.serviceKey = serviceKey
    }

    /// Who is calling: an account (directly or through the service key's
    /// act-as), or the service key itself when it names no account.
    public enum Principal: Sendable, Hashable {
        case account(Caller)
        /// The service key without `x-sharewire-act-as`.
        case service
    }

    /// Who is calling. Most methods need an account: use ``caller(_:in:)``.
    ///
    /// - Throws: `UNAUTHENTICATED` for missing, malformed or unknown
    ///   credentials or an unknown act-as account; `PERMISSION_DENIED` when an
    ///   account key tries to act as someone.
    public func principal(_ metadata: Metadata, in snapshot: SharingSnapshots.Snapshot) throws(RPCError) -> Principal {
        let key = try Self.bearerKey(metadata)
        let actAs = metadata[Self.actAsKey]
        if APIKey.isWellFormed(key), let account = snapshot.authenticate(apiKey: key) {
            guard actAs == nil else {
                throw AuthError.permissionDenied("only the service key may act for another account",
                                                 reason: "SERVICE_KEY_REQUIRED", field: Self.actAsKey)
            }
            return .account(Caller(account: account, credential: .accountKey))
        }
        guard let serviceKey, serviceKey.matches(key) else {
            throw AuthError.unauthenticated("unknown API key", cause: "unknown_key")
        }
        guard let actAs, !actAs.isEmpty else { return .service }
        return .account(Caller(account: try Self.resolve(actAs: actAs, in: snapshot.state), credential: .serviceKey))
    }

    /// The account a call acts for.
    ///
    /// - Throws: as ``principal(_:in:)``, and `INVALID_ARGUMENT`
    ///   (`ACT_AS_REQUIRED`) when a service key names no account.
    public func caller(_ metadata: Metadata, in snapshot: SharingSnapshots.Snapshot) throws(RPCError) -> Caller {
        switch try principal(metadata, in: snapshot) {
        case let .account(caller):
            return caller
        case .service:
            throw RPCError(.invalidArgument, "a service key must name the account it acts for in \(Self.actAsKey)",
                           details: [StatusDetail(reason: "ACT_AS_REQUIRED", field: Self.actAsKey)])
        }
    }

    /// Requires the service key itself (account creation, the notification outbox).
    ///
    /// - Throws: `FAILED_PRECONDITION` (`SERVICE_KEY_NOT_CONFIGURED`) when the
    ///   server has none, `UNAUTHENTICATED` for missing or unknown
    ///   credentials, `PERMISSION_DENIED` (`SERVICE_KEY_REQUIRED`) for an
    ///   account's key.
    public func requireServiceKey(_ metadata: Metadata, in snapshot: SharingSnapshots.Snapshot,
                                  action: String) throws(RPCError) {
        guard let serviceKey else {
            throw RPCError(.failedPrecondition,
                           "\(action) is disabled: this server has no service key (set \(ServiceKey.environmentVariable) or --service-key-file)",
                           details: [StatusDetail(reason: "SERVICE_KEY_NOT_CONFIGURED")])
        }
        let key = try Self.bearerKey(metadata)
        if serviceKey.matches(key) { return }
        if APIKey.isWellFormed(key), snapshot.authenticate(apiKey: key) != nil {
            throw AuthError.permissionDenied("\(action) requires the service key", reason: "SERVICE_KEY_REQUIRED",
                                             field: "authorization")
        }
        throw AuthError.unauthenticated("unknown API key", cause: "unknown_key")
    }

    /// The key of `authorization: Bearer <key>`, as a slice of the value (no copy).
    static func bearerKey(_ metadata: Metadata) throws(RPCError) -> Substring {
        guard let value = metadata[Metadata.authorizationKey] else {
            throw AuthError.unauthenticated("missing credentials: send authorization: Bearer <api-key>", cause: "missing")
        }
        let prefix = "Bearer "
        guard value.hasPrefix(prefix) else {
            throw AuthError.unauthenticated("malformed authorization: expected Bearer <api-key>", cause: "malformed")
        }
        let key = value.dropFirst(prefix.count)
        guard !key.isEmpty else {
            throw AuthError.unauthenticated("malformed authorization: empty key", cause: "malformed")
        }
        return key
    }

    /// An `acc_N` id or an email naming an existing account.
    static func resolve(actAs: String, in state: SharingState) throws(RPCError) -> AccountID {
        if let id = AccountID(external: actAs) {
            if (try? state.whoami(id)) != nil { return id }
        } else if let email = try? Email(actAs), let id = state.account(email: email) {
            return id
        }
        throw AuthError.unauthenticated("\(actAsKey) names no account", cause: "unknown_account", field: actAsKey,
                                        subject: String(actAs.prefix(Limits.maxEmailLength)))
    }
}

/// The authentication failures, in the shape docs/SERVER.md documents.
enum AuthError {
    /// UNAUTHENTICATED, reason `UNAUTHENTICATED`, `cause` in the detail's metadata
    /// (`missing`, `malformed`, `unknown_key`, `unknown_account`).
    static func unauthenticated(_ message: String, cause: String, field: String = "authorization",
                                subject: String = "") -> RPCError {
        RPCError(.unauthenticated, message,
                 details: [StatusDetail(reason: "UNAUTHENTICATED", subject: subject, field: field,
                                        metadata: [MetadataEntry(key: "cause", value: cause)])])
    }

    static func permissionDenied(_ message: String, reason: String, field: String) -> RPCError {
        RPCError(.permissionDenied, message, details: [StatusDetail(reason: reason, field: field)])
    }
}
