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

    public init(method: String, metadata: Metadata, deadline: NIODeadline?, streamID: UInt32, peer: String,
                peerCertificate: VerifiedPeerCertificate? = nil) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.streamID = streamID
        self.peer = peer
        self.peerCertificate = peerCertificate
    }
}
