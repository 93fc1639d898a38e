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
/// - ``MethodAuth/principal``: ``principal(_:atLeast:)``, with the request's
///   `min_revision` (0 for a request without one), and the requirement
///   receives its result as `caller:`. A `PRINCIPAL` caller is authenticated
///   against a state that includes `min_revision`, so a Check at revision R
///   accepts a key created at R even on an instance that had not reached R
///   when the call arrived; the result may carry that state, so the handler
///   answers from the state it was authenticated in. The synchronous variant
///   runs first on the event loop (the immediate path) and returns nil when
///   the revision is not visible yet; the call then runs in a task with the
///   asynchronous one, which waits for it within the call's deadline.
///
/// A failure is thrown to the client as it is; the requirement does not run.
public protocol CallAuthentication: Sendable {
    /// What an ``MethodAuth/account`` method's handler receives: the account
    /// the call acts for.
    associatedtype Account: Sendable

    /// What a ``MethodAuth/principal`` method's handler receives: who the
    /// call is from (an account or the service itself), authenticated
    /// against a state at least at the request's revision.
    associatedtype Principal: Sendable

    /// The account the call acts for (``MethodAuth/account``).
    func account(_ context: ServerContext) throws(RPCError) -> Account

    /// Throws unless the call comes from the service itself
    /// (``MethodAuth/serviceKey``).
    func requireService(_ context: ServerContext, for method: MethodID) throws(RPCError)

    /// The call's principal against a state that includes `revision`, or nil
    /// when this server has not reached it yet (``MethodAuth/principal``,
    /// without suspending: it runs on the event loop).
    func immediatePrincipal(_ context: ServerContext, atLeast revision: UInt64) throws(RPCError) -> Principal?

    /// The call's principal against a state that includes `revision`,
    /// waiting for it within the call's deadline.
    func principal(_ context: ServerContext, atLeast revision: UInt64) async throws(RPCError) -> Principal
}
