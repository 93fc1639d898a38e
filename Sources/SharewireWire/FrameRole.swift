/// Which side of a connection a decoder serves; it decides which frame types
/// may arrive and which stream-id rules apply.
public enum FrameRole: Sendable, Hashable {
    /// Decodes what a server receives: REQUEST and CANCEL open or end calls.
    case server
    /// Decodes what a client receives: MESSAGE and RESPONSE answer calls.
    case client

    /// Whether a frame of `type` may be sent to this role.
    @inlinable
    public func accepts(_ type: FrameType) -> Bool {
        switch type {
        case .hello, .ping, .pong, .goAway: return true
        case .request, .cancel: return self == .server
        case .message, .response: return self == .client
        }
    }
}
