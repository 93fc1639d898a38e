import NIOCore

/// One decoded frame: its header and its payload, a slice of the read buffer
/// (no copy).
public struct Frame: Sendable {
    public var header: FrameHeader
    public var payload: ByteBuffer

    @inlinable
    public init(header: FrameHeader, payload: ByteBuffer) {
        self.header = header
        self.payload = payload
    }

    @inlinable public var type: FrameType { header.type }
    @inlinable public var streamID: UInt32 { header.streamID }
}

/// What the frame decoder produces.
public enum FrameEvent: Sendable {
    /// The peer's preface (once, first).
    case preface(Preface)
    /// A complete, validated frame.
    case frame(Frame)
    /// A REQUEST, MESSAGE or RESPONSE frame whose payload exceeded the
    /// maximum frame size. Its payload was discarded without buffering; the
    /// stream id is consumed, and the call should end in RESOURCE_EXHAUSTED.
    case oversized(FrameHeader)
}
