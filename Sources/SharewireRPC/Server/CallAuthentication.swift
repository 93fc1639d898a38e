import SharewireMessages

/// The server's authentication, as the generated service pipeline applies it
/// (docs/ARCHITECTURE.md, "Service pipeline").
///
/// Every method of the schema has an auth policy, its `(sharewire.v1.auth)`
/// option (``MethodAuth``). The generated `register(in:)` of a service's
/// `Handler` runs the policy once per call, before the method's requirement:
///
/// - ``MethodAuth/none``: nothing;
/// - ``MethodAuth/account``: ``account(_:)``, and the requirement receives
///   its result as `caller:` — a handler cannot run unauthenticated, and it
///   cannot forget to authenticate;
/// - ``MethodAuth/serviceKey``: ``requireService(_:for:)``;
/// - ``MethodAuth/principal``: the requirement receives the call's
///   ``CallCredentials`` and authenticates them against the state it reads
///   (a Check at `min_revision` R accepts a key created at R even on an
///   instance that had not reached R when the call arrived).
///
/// A failure is thrown to the client as it is; the requirement does not run.
public protocol CallAuthentication: Sendable {
    /// What an ``MethodAuth/account`` method's handler receives: the account
    /// the call acts for.
    associatedtype Account: Sendable

    /// The account the call acts for (``MethodAuth/account``).
    func account(_ context: ServerContext) throws(RPCError) -> Account

    /// Throws unless the call comes from the service itself
    /// (``MethodAuth/serviceKey``).
    func requireService(_ context: ServerContext, for method: MethodID) throws(RPCError)
}

/// The credentials of a ``MethodAuth/principal`` call, which its handler
/// authenticates against the state it reads. Only the pipeline makes them.
public struct CallCredentials: Sendable {
    /// The call whose metadata and client certificate are the credentials.
    public let context: ServerContext

    init(_ context: ServerContext) {
        self.context = context
    }
}
