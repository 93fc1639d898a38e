import NIOCore
import SharewireMessages

/// What a handler knows about the call it is serving.
public struct ServerContext: Sendable {
    /// Full method path.
    public let method: String
    /// Request metadata, in wire order.
    public let metadata: Metadata
    /// When the call must finish; the task is cancelled then.
    public let deadline: NIODeadline?
    /// The call's stream id on its connection.
    public let streamID: UInt32
    /// Remote address, for logs and audit.
    public let peer: String
    /// The client certificate the TLS handshake verified against the
    /// server's client CAs (mutual TLS); nil without one.
    public let peerCertificate: VerifiedPeerCertificate?
    /// The connection's failed-authentication limiting; nil when the server
    /// has none (``ServerConfiguration/authFailureLimits``).
    public let authentication: ConnectionAuthentication?
    /// Set only for calls that run as a task (those the transport can time
    /// out while they wait); nil on the synchronous path.
    let deadlineExplanation: DeadlineExplanation?

    public init(
        method: String, metadata: Metadata, deadline: NIODeadline?, streamID: UInt32, peer: String,
        peerCertificate: VerifiedPeerCertificate? = nil
    ) {
        self.init(
            method: method, metadata: metadata, deadline: deadline, streamID: streamID, peer: peer,
            peerCertificate: peerCertificate, authentication: nil, deadlineExplanation: nil)
    }

    init(
        method: String, metadata: Metadata, deadline: NIODeadline?, streamID: UInt32, peer: String,
        peerCertificate: VerifiedPeerCertificate?, authentication: ConnectionAuthentication?,
        deadlineExplanation: DeadlineExplanation?
    ) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.streamID = streamID
        self.peer = peer
        self.peerCertificate = peerCertificate
        self.authentication = authentication
        self.deadlineExplanation = deadlineExplanation
    }

    /// Says what the call is waiting for, so that if its deadline passes
    /// meanwhile the client gets `error` (a `DEADLINE_EXCEEDED` with typed
    /// details) at once rather than the transport's generic answer. Pass nil
    /// when the wait is over. A no-op on the synchronous path, which cannot
    /// wait.
    public func explainDeadline(_ error: RPCError?) {
        precondition(
            error == nil || error?.code == .deadlineExceeded,
            "a deadline explanation is a DEADLINE_EXCEEDED status")
        deadlineExplanation?.set(error)
    }
}
