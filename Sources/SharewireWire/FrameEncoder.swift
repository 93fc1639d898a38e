import NIOCore

/// Writes frames straight into an outbound `ByteBuffer`.
///
/// Lengths are written as placeholders and patched afterwards, so a head and
/// message can be serialized in place with no intermediate buffer.
extension ByteBuffer {
    /// Position of a frame whose length is still to be patched.
    public struct FrameMark: Sendable {
        @usableFromInline let headerIndex: Int
        @inlinable init(headerIndex: Int) { self.headerIndex = headerIndex }
    }

    /// Position of a `u32 head_len` prefix still to be patched.
    public struct HeadMark: Sendable {
        @usableFromInline let lengthIndex: Int
        @inlinable init(lengthIndex: Int) { self.lengthIndex = lengthIndex }
    }

    /// Writes a frame header with a zero length; finish with `endFrame`.
    @inlinable
    public mutating func beginFrame(_ type: FrameType, flags: UInt8 = 0, streamID: UInt32) -> FrameMark {
        let mark = FrameMark(headerIndex: writerIndex)
        writeMultipleIntegers(UInt32(0), type.rawValue, flags, streamID)
        return mark
    }

    /// Patches the length of the frame started at `mark` to cover everything
    /// written since.
    @inlinable
    public mutating func endFrame(_ mark: FrameMark) {
        let length = writerIndex - mark.headerIndex - FrameHeader.size
        setInteger(UInt32(truncatingIfNeeded: length), at: mark.headerIndex)
    }

    /// Removes the unfinished frame started at `mark`, e.g. when its message
    /// turned out to exceed the peer's limit.
    @inlinable
    public mutating func abandonFrame(_ mark: FrameMark) {
        moveWriterIndex(to: mark.headerIndex)
    }

    /// Bytes written into the frame started at `mark` so far, excluding its header.
    @inlinable
    public func payloadLength(since mark: FrameMark) -> Int {
        writerIndex - mark.headerIndex - FrameHeader.size
    }

    /// Starts the `u32 head_len` prefix of a REQUEST or RESPONSE payload.
    @inlinable
    public mutating func beginHead() -> HeadMark {
        let mark = HeadMark(lengthIndex: writerIndex)
        writeInteger(UInt32(0))
        return mark
    }

    /// Patches the head length to cover everything written since `beginHead`.
    @inlinable
    public mutating func endHead(_ mark: HeadMark) {
        setInteger(UInt32(truncatingIfNeeded: writerIndex - mark.lengthIndex - 4), at: mark.lengthIndex)
    }

    /// Writes a complete frame whose payload is already in `payload`.
    @inlinable
    public mutating func writeFrame(_ type: FrameType, flags: UInt8 = 0, streamID: UInt32, payload: ByteBuffer) {
        writeMultipleIntegers(UInt32(payload.readableBytes), type.rawValue, flags, streamID)
        writeImmutableBuffer(payload)
    }

    /// Writes a PING or PONG frame carrying `opaque`.
    @inlinable
    public mutating func writePing(_ type: FrameType, opaque: UInt64) {
        writeMultipleIntegers(UInt32(8), type.rawValue, UInt8(0), UInt32(0), opaque)
    }

    /// Writes a CANCEL frame for `streamID`.
    @inlinable
    public mutating func writeCancel(streamID: UInt32) {
        writeMultipleIntegers(UInt32(0), FrameType.cancel.rawValue, UInt8(0), streamID)
    }
}
