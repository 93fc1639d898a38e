/// The kind of a frame, carried in byte 4 of the frame header.
///
/// See docs/PROTOCOL.md §3. Unknown values are a protocol violation, so the
/// decoder rejects them instead of skipping them.
public enum FrameType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case request = 0x02
    case message = 0x03
    case response = 0x04
    case cancel = 0x05
    case ping = 0x06
    case pong = 0x07
    case goAway = 0x08

    /// Frames of these types belong to the connection and must use stream 0.
    @inlinable
    public var isConnectionLevel: Bool {
        switch self {
        case .hello, .ping, .pong, .goAway: return true
        case .request, .message, .response, .cancel: return false
        }
    }
}
