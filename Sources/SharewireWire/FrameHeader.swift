/// The fixed 10-byte header that starts every frame.
///
/// Layout (big-endian): `length: u32`, `type: u8`, `flags: u8`, `streamID: u32`.
public struct FrameHeader: Sendable, Hashable {
    /// Size of the encoded header in bytes.
    public static let size = 10
    /// Stream ids use 31 bits; the top bit is reserved and must be zero.
    public static let maxStreamID: UInt32 = 0x7FFF_FFFF

    /// Payload length, excluding the header itself.
    public var length: UInt32
    public var type: FrameType
    public var flags: UInt8
    /// 0 for connection-level frames, otherwise the call's stream id.
    public var streamID: UInt32

    @inlinable
    public init(length: UInt32, type: FrameType, flags: UInt8 = 0, streamID: UInt32) {
        self.length = length
        self.type = type
        self.flags = flags
        self.streamID = streamID
    }
}
