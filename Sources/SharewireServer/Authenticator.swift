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
/// - No `authorization`, over mutual TLS with a client certificate whose
///   subject CN or a DNS SAN is on ``trustedServices``: the service itself,
///   exactly like the service key (including act-as). Any `authorization`
///   that is sent is checked as above, certificate or not.
///
/// Nothing here awaits: it runs on the hot path before Check.
public struct Authenticator: Sendable {
    /// The metadata key naming the account a service key acts for.
    public static let actAsKey = "x-sharewire-act-as"

    /// The accepted service keys (current and, during a rotation, next).
    public let serviceKeys: ServiceKeyRing
    /// Client-certificate names (subject CN or DNS SAN) that act as the service.
    public let trustedServices: Set<String>
    private let cache: AuthCache
    /// Where account keys' uses are noted (their last-used time); `nil`: nowhere.
    private let usage: APIKeyUsage?

    /// - Parameter cacheCapacity: how many recently authenticated API keys to
    ///   remember (see ``AuthCache``); 0 hashes every key on every call.
    /// - Parameter trustedServices: client-certificate names that may act as
    ///   the service (only meaningful with mutual TLS).
    /// - Parameter usage: where to note each account key's use (last-used times).
    public init(
        serviceKeys: ServiceKeyRing, cacheCapacity: Int = 0, trustedServices: Set<String> = [],
        usage: APIKeyUsage? = nil
    ) {
        self.serviceKeys = serviceKeys
        self.trustedServices = trustedServices
        self.cache = AuthCache(capacity: cacheCapacity)
        self.usage = usage
    }

    /// One service key (or none), no rotation.
    public init(serviceKey: ServiceKey?, cacheCapacity: Int = 0, trustedServices: Set<String> = []) {
        self.init(
            serviceKeys: ServiceKeyRing(current: serviceKey), cacheCapacity: cacheCapacity,
            trustedServices: trustedServices)
    }

    /// The trusted-service name of the call's verified client certificate,
    /// when the call sends no `authorization` of its own.
    private func trustedService(_ metadata: Metadata, _ certificate: VerifiedPeerCertificate?) -> String? {
        guard let certificate, !trustedServices.isEmpty, metadata[Metadata.authorizationKey] == nil else { return nil }
        return certificate.name(in: trustedServices)
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
    public func principal(
        _ metadata: Metadata, certificate: VerifiedPeerCertificate? = nil,
        in snapshot: SharingSnapshots.Snapshot
    ) throws(RPCError) -> Principal {
        let actAs = metadata[Self.actAsKey]
        if let service = trustedService(metadata, certificate) {
            guard let actAs, !actAs.isEmpty else { return .service }
            return .account(
                Caller(
                    account: try Self.resolve(actAs: actAs, in: snapshot.state),
                    credential: .serviceCertificate(service)))
        }
        let key = try Self.bearerKey(metadata)
        // `authenticate` checks the key's shape itself (nil when it is not `sw_…`).
        if let (record, noteUse) = cache.authenticate(key, in: snapshot) {
            guard actAs == nil else {
                throw AuthError.permissionDenied(
                    "only the service key may act for another account",
                    reason: "SERVICE_KEY_REQUIRED", field: Self.actAsKey)
            }
            if noteUse { usage?.note(record.id, at: snapshot.now) }
            return .account(Caller(account: record.account, credential: .accountKey(record.id)))
        }
        guard serviceKeys.match(key) != nil else {
            throw AuthError.unauthenticated("unknown API key", cause: "unknown_key")
        }
        guard let actAs, !actAs.isEmpty else { return .service }
        return .account(Caller(account: try Self.resolve(actAs: actAs, in: snapshot.state), credential: .serviceKey))
    }

    /// The account a call acts for.
    ///
    /// - Throws: as ``principal(_:in:)``, and `INVALID_ARGUMENT`
    ///   (`ACT_AS_REQUIRED`) when a service key names no account.
    public func caller(
        _ metadata: Metadata, certificate: VerifiedPeerCertificate? = nil,
        in snapshot: SharingSnapshots.Snapshot
    ) throws(RPCError) -> Caller {
        switch try principal(metadata, certificate: certificate, in: snapshot) {
        case let .account(caller):
            return caller
        case .service:
            throw RPCError(
                .invalidArgument, "a service key must name the account it acts for in \(Self.actAsKey)",
                details: [StatusDetail(reason: "ACT_AS_REQUIRED", field: Self.actAsKey)])
        }
    }

    /// Requires the service key itself, or a trusted service certificate
    /// (account creation, the notification outbox).
    ///
    /// - Throws: `FAILED_PRECONDITION` (`SERVICE_KEY_NOT_CONFIGURED`) when the
    ///   server has none, `UNAUTHENTICATED` for missing or unknown
    ///   credentials, `PERMISSION_DENIED` (`SERVICE_KEY_REQUIRED`) for an
    ///   account's key.
    public func requireServiceKey(
        _ metadata: Metadata, certificate: VerifiedPeerCertificate? = nil,
        in snapshot: SharingSnapshots.Snapshot, action: String
    ) throws(RPCError) {
        if trustedService(metadata, certificate) != nil { return }
        guard serviceKeys.isConfigured else {
            throw RPCError(
                .failedPrecondition,
                "\(action) is disabled: this server has no service key (set \(ServiceKey.environmentVariable) or --service-key-file)",
                details: [StatusDetail(reason: "SERVICE_KEY_NOT_CONFIGURED")])
        }
        let key = try Self.bearerKey(metadata)
        if serviceKeys.match(key) != nil { return }
        if snapshot.authenticate(apiKey: key) != nil {
            throw AuthError.permissionDenied(
                "\(action) requires the service key", reason: "SERVICE_KEY_REQUIRED",
                field: "authorization")
        }
        throw AuthError.unauthenticated("unknown API key", cause: "unknown_key")
    }

    /// The key of `authorization: Bearer <key>`, as a slice of the value (no copy).
    private static let bearerPrefix: [UInt8] = Array("Bearer ".utf8)

    static func bearerKey(_ metadata: Metadata) throws(RPCError) -> Substring {
        guard let value = metadata[Metadata.authorizationKey] else {
            throw AuthError.unauthenticated(
                "missing credentials: send authorization: Bearer <api-key>", cause: "missing")
        }
        // On UTF-8 bytes: `hasPrefix` and `dropFirst` on characters cost
        // about 3% of an authenticated Check's server CPU.
        let utf8 = value.utf8
        guard utf8.starts(with: bearerPrefix) else {
            throw AuthError.unauthenticated("malformed authorization: expected Bearer <api-key>", cause: "malformed")
        }
        // The prefix is ASCII, so this index is a character boundary.
        let key = value[utf8.index(utf8.startIndex, offsetBy: bearerPrefix.count)...]
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
        throw AuthError.unauthenticated(
            "\(actAsKey) names no account", cause: "unknown_account", field: actAsKey,
            subject: String(actAs.prefix(Limits.maxEmailLength)))
    }
}

extension Authenticator {
    /// ``principal(_:certificate:in:)`` for a call: its metadata and its
    /// verified client certificate, under the connection's failed-authentication
    /// limiting (``limited(_:_:)``).
    public func principal(_ context: ServerContext, in snapshot: SharingSnapshots.Snapshot) throws(RPCError)
        -> Principal
    {
        try Self.limited(context) { () throws(RPCError) in
            try principal(context.metadata, certificate: context.peerCertificate, in: snapshot)
        }
    }

    /// ``caller(_:certificate:in:)`` for a call.
    public func caller(_ context: ServerContext, in snapshot: SharingSnapshots.Snapshot) throws(RPCError) -> Caller {
        try Self.limited(context) { () throws(RPCError) in
            try caller(context.metadata, certificate: context.peerCertificate, in: snapshot)
        }
    }

    /// ``requireServiceKey(_:certificate:in:action:)`` for a call.
    public func requireServiceKey(
        _ context: ServerContext, in snapshot: SharingSnapshots.Snapshot,
        action: String
    ) throws(RPCError) {
        try Self.limited(context) { () throws(RPCError) in
            try requireServiceKey(context.metadata, certificate: context.peerCertificate, in: snapshot, action: action)
        }
    }

    /// Runs one authentication under the call's connection limiting
    /// (docs/SERVER.md §2): refused up front while its peer address is over
    /// the failure limit; UNAUTHENTICATED counts as a failure; PERMISSION_DENIED
    /// and INVALID_ARGUMENT (valid credentials, wrong use) and success count
    /// as a success. Anything else (no service key configured) counts as neither.
    static func limited<T>(_ context: ServerContext, _ body: () throws(RPCError) -> T) throws(RPCError) -> T {
        guard let authentication = context.authentication else { return try body() }
        try authentication.admit()
        do {
            let result = try body()
            authentication.succeeded()
            return result
        } catch {
            switch error.code {
            case .unauthenticated: authentication.failed()
            case .permissionDenied, .invalidArgument: authentication.succeeded()
            default: break
            }
            throw error
        }
    }
}

/// The authentication failures, in the shape docs/SERVER.md documents.
enum AuthError {
    /// UNAUTHENTICATED, reason `UNAUTHENTICATED`, `cause` in the detail's metadata
    /// (`missing`, `malformed`, `unknown_key`, `unknown_account`).
    static func unauthenticated(
        _ message: String, cause: String, field: String = "authorization",
        subject: String = ""
    ) -> RPCError {
        RPCError(
            .unauthenticated, message,
            details: [
                StatusDetail(
                    reason: "UNAUTHENTICATED", subject: subject, field: field,
                    metadata: [MetadataEntry(key: "cause", value: cause)])
            ])
    }

    static func permissionDenied(_ message: String, reason: String, field: String) -> RPCError {
        RPCError(.permissionDenied, message, details: [StatusDetail(reason: reason, field: field)])
    }
}
