import NIOCore
import Testing

@testable import SharewireWire

/// The in-place `ByteBuffer` frame encoder: exact bytes, big-endian per
/// docs/PROTOCOL.md §2 (`u32 length`, `u8 type`, `u8 flags`, `u32 stream_id`).
@Suite struct FrameEncoderTests {
    @Test func prefaceBytes() {
        var buffer = ByteBuffer()
        Preface.current.write(to: &buffer)
        #expect(buffer.bytes == [0x53, 0x48, 0x57, 0x52, 0x0D, 0x0A, 0x01, 0x00])

        var other = ByteBuffer()
        Preface(major: 0xAB, minor: 0xCD).write(to: &other)
        #expect(other.bytes == [0x53, 0x48, 0x57, 0x52, 0x0D, 0x0A, 0xAB, 0xCD])
    }

    @Test func beginEndFrameHeaderIsBigEndian() {
        var buffer = ByteBuffer()
        let mark = buffer.beginFrame(.message, flags: 0xA5, streamID: 0x0102_0304)
        // Placeholder length until endFrame.
        #expect(buffer.bytes == [0, 0, 0, 0, 0x03, 0xA5, 0x01, 0x02, 0x03, 0x04])
        buffer.writeBytes([0xEE, 0xFF, 0x11])
        buffer.endFrame(mark)
        #expect(buffer.bytes == [0, 0, 0, 3, 0x03, 0xA5, 0x01, 0x02, 0x03, 0x04, 0xEE, 0xFF, 0x11])
    }

    @Test func multiByteLengthIsBigEndian() {
        var buffer = ByteBuffer()
        let mark = buffer.beginFrame(.goAway, streamID: 0)
        buffer.writeRepeatingByte(0x42, count: 0x0001_0203)
        buffer.endFrame(mark)
        #expect(Array(buffer.bytes.prefix(10)) == [0x00, 0x01, 0x02, 0x03, 0x08, 0x00, 0, 0, 0, 0])
        #expect(buffer.readableBytes == 10 + 0x0001_0203)
    }

    @Test func emptyFrame() {
        var buffer = ByteBuffer()
        let mark = buffer.beginFrame(.hello, streamID: 0)
        buffer.endFrame(mark)
        #expect(buffer.bytes == [0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0])
    }

    @Test func maxStreamID() {
        var buffer = ByteBuffer()
        let mark = buffer.beginFrame(.request, streamID: FrameHeader.maxStreamID)
        buffer.endFrame(mark)
        #expect(buffer.bytes == [0, 0, 0, 0, 0x02, 0, 0x7F, 0xFF, 0xFF, 0xFF])
    }

    /// The mark is an absolute index: frames after other bytes, and after
    /// bytes already read, are patched in the right place.
    @Test func framesAfterExistingBytes() {
        var buffer = ByteBuffer()
        buffer.writeBytes([0x99, 0x98, 0x97])
        #expect(buffer.readBytes(length: 2) == [0x99, 0x98])
        let first = buffer.beginFrame(.message, streamID: 1)
        buffer.writeBytes([1, 2])
        buffer.endFrame(first)
        let second = buffer.beginFrame(.message, streamID: 3)
        buffer.writeBytes([3])
        buffer.endFrame(second)
        #expect(
            buffer.bytes == [0x97]
                + [0, 0, 0, 2, 0x03, 0, 0, 0, 0, 1, 1, 2]
                + [0, 0, 0, 1, 0x03, 0, 0, 0, 0, 3, 3])
    }

    @Test func headedPayloadInPlace() {
        var buffer = ByteBuffer()
        let frame = buffer.beginFrame(.request, streamID: 5)
        let head = buffer.beginHead()
        #expect(buffer.bytes == [0, 0, 0, 0, 0x02, 0, 0, 0, 0, 5, 0, 0, 0, 0])
        buffer.writeBytes([0x0A, 0x03, 0x61, 0x62, 0x63])
        buffer.endHead(head)
        buffer.writeBytes([0xDE, 0xAD])
        buffer.endFrame(frame)
        #expect(
            buffer.bytes == [0, 0, 0, 11, 0x02, 0, 0, 0, 0, 5]
                + [0, 0, 0, 5, 0x0A, 0x03, 0x61, 0x62, 0x63]
                + [0xDE, 0xAD])
    }

    @Test func emptyHeadAndEmptyMessage() {
        var buffer = ByteBuffer()
        let frame = buffer.beginFrame(.response, streamID: 2)
        buffer.endHead(buffer.beginHead())
        buffer.endFrame(frame)
        #expect(buffer.bytes == [0, 0, 0, 4, 0x04, 0, 0, 0, 0, 2, 0, 0, 0, 0])
    }

    @Test func longHeadLengthIsBigEndian() {
        var buffer = ByteBuffer()
        let head = buffer.beginHead()
        buffer.writeRepeatingByte(0, count: 0x0203)
        buffer.endHead(head)
        #expect(Array(buffer.bytes.prefix(4)) == [0x00, 0x00, 0x02, 0x03])
    }

    @Test func writeFrameWritesOnlyReadableBytes() {
        var payload = ByteBuffer()
        payload.writeBytes([9, 8, 7, 6, 5])
        payload.moveReaderIndex(forwardBy: 2)
        var buffer = ByteBuffer()
        buffer.writeFrame(.goAway, flags: 0x80, streamID: 0, payload: payload)
        #expect(buffer.bytes == [0, 0, 0, 3, 0x08, 0x80, 0, 0, 0, 0, 7, 6, 5])
        // The payload itself is not consumed.
        #expect(payload.bytes == [7, 6, 5])
    }

    @Test func writeFrameEmptyPayload() {
        var buffer = ByteBuffer()
        buffer.writeFrame(.message, streamID: 0x7F00_0001, payload: ByteBuffer())
        #expect(buffer.bytes == [0, 0, 0, 0, 0x03, 0, 0x7F, 0x00, 0x00, 0x01])
    }

    @Test(arguments: [FrameType.ping, .pong])
    func writePing(type: FrameType) {
        var buffer = ByteBuffer()
        buffer.writePing(type, opaque: 0x0102_0304_0506_0708)
        #expect(buffer.bytes == [0, 0, 0, 8, type.rawValue, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func writeCancel() {
        var buffer = ByteBuffer()
        buffer.writeCancel(streamID: 0x0A0B_0C0D)
        #expect(buffer.bytes == [0, 0, 0, 0, 0x05, 0, 0x0A, 0x0B, 0x0C, 0x0D])
    }

    /// The encoder and the hand-written test headers agree for every type.
    @Test(arguments: FrameType.allCases)
    func headerMatchesLayout(type: FrameType) {
        var buffer = ByteBuffer()
        let mark = buffer.beginFrame(type, flags: 0x11, streamID: 0x1234_5678)
        buffer.writeBytes([0xAA])
        buffer.endFrame(mark)
        #expect(
            buffer.bytes == headerBytes(length: 1, type: type.rawValue, flags: 0x11, streamID: 0x1234_5678) + [0xAA])
    }
}
