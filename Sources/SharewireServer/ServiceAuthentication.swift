import SharewireMessages
import SharewireRPC
import SharingDomain

/// The sharing services' side of the service pipeline (``CallAuthentication``):
/// each call of an `ACCOUNT` or `SERVICE_KEY` method is authenticated here,
/// once, against the latest snapshot, before its handler runs. `PRINCIPAL`
/// methods (Check, WatchAccessChanges) authenticate their ``CallCredentials``
/// with ``Authenticator/principal(_:in:)`` against the snapshot they read.
struct ServiceAuthentication: CallAuthentication {
    let auth: Authenticator
    let snapshots: SharingSnapshots

    func account(_ context: ServerContext) throws(RPCError) -> Caller {
        try auth.caller(context, in: snapshots.latest())
    }

    func requireService(_ context: ServerContext, for method: MethodID) throws(RPCError) {
        try auth.requireServiceKey(context, in: snapshots.latest(), action: Self.action(method))
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

extension Authenticator {
    /// ``principal(_:certificate:in:)`` for a `PRINCIPAL` call, against the
    /// snapshot the method reads.
    public func principal(
        _ credentials: CallCredentials,
        in snapshot: SharingSnapshots.Snapshot
    ) throws(RPCError) -> Principal {
        try principal(credentials.context, in: snapshot)
    }
}
