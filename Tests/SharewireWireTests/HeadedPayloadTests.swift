import NIOCore
import Testing

@testable import SharewireWire

/// Splitting a REQUEST/RESPONSE payload: `u32 head_len` · head · message.
@Suite struct HeadedPayloadTests {
    func split(_ bytes: [UInt8]) -> Result<([UInt8], [UInt8]), HeadedPayloadError> {
        do throws(HeadedPayloadError) {
            let payload = try HeadedPayload(splitting: byteBuffer(bytes))
            return .success((payload.head.bytes, payload.message.bytes))
        } catch {
            return .failure(error)
        }
    }

    func expectSplit(
        _ bytes: [UInt8], head: [UInt8], message: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch split(bytes) {
        case let .success((h, m)):
            #expect(h == head, sourceLocation: sourceLocation)
            #expect(m == message, sourceLocation: sourceLocation)
        case let .failure(error):
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    func expectError(
        _ bytes: [UInt8], _ expected: HeadedPayloadError,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch split(bytes) {
        case let .success((h, m)):
            Issue.record("unexpectedly split into head \(h), message \(m)", sourceLocation: sourceLocation)
        case let .failure(error):
            #expect(error == expected, sourceLocation: sourceLocation)
        }
    }

    @Test func normal() {
        expectSplit([0, 0, 0, 3, 0xA1, 0xA2, 0xA3, 0xB1, 0xB2], head: [0xA1, 0xA2, 0xA3], message: [0xB1, 0xB2])
    }

    @Test func emptyHead() {
        expectSplit([0, 0, 0, 0, 0xB1, 0xB2, 0xB3], head: [], message: [0xB1, 0xB2, 0xB3])
    }

    @Test func emptyMessage() {
        expectSplit([0, 0, 0, 2, 0xA1, 0xA2], head: [0xA1, 0xA2], message: [])
    }

    @Test func emptyHeadAndMessage() {
        expectSplit([0, 0, 0, 0], head: [], message: [])
    }

    @Test func multiByteHeadLengthIsBigEndian() {
        let head = (0..<0x0102).map { UInt8(truncatingIfNeeded: $0) }
        expectSplit([0x00, 0x00, 0x01, 0x02] + head + [0x77], head: head, message: [0x77])
    }

    @Test func headLengthOutOfBounds() {
        expectError([0, 0, 0, 5, 0xA1, 0xA2], .headLengthOutOfBounds(headLength: 5, available: 2))
        expectError([0, 0, 0, 1], .headLengthOutOfBounds(headLength: 1, available: 0))
        // One past the end.
        expectError([0, 0, 0, 3, 1, 2], .headLengthOutOfBounds(headLength: 3, available: 2))
        // Lengths that would be negative as Int32 or overflow a naive sum.
        expectError([0x80, 0, 0, 0, 1], .headLengthOutOfBounds(headLength: 0x8000_0000, available: 1))
        expectError([0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3], .headLengthOutOfBounds(headLength: 0xFFFF_FFFF, available: 3))
    }

    @Test func missingLengthPrefix() {
        expectError([], .missingHeadLength(payloadLength: 0))
        expectError([0], .missingHeadLength(payloadLength: 1))
        expectError([0, 0, 0], .missingHeadLength(payloadLength: 3))
    }

    /// A decoder payload is a slice with a non-zero reader index; splitting
    /// must honour it and leave the original untouched.
    @Test func splitsASliceWithoutConsumingIt() throws {
        var buffer = byteBuffer([0xEE, 0xEE, 0, 0, 0, 1, 0xA1, 0xB1, 0xB2, 0xEE])
        buffer.moveReaderIndex(forwardBy: 2)
        let read = buffer.readSlice(length: 7)
        let slice = try #require(read)
        let payload = try HeadedPayload(splitting: slice)
        #expect(payload.head.bytes == [0xA1])
        #expect(payload.message.bytes == [0xB1, 0xB2])
        #expect(slice.bytes == [0, 0, 0, 1, 0xA1, 0xB1, 0xB2])
    }

    @Test func encoderOutputSplitsBack() throws {
        var buffer = ByteBuffer()
        let head = buffer.beginHead()
        buffer.writeString("head")
        buffer.endHead(head)
        buffer.writeString("message")
        let payload = try HeadedPayload(splitting: buffer)
        #expect(payload.head.bytes == Array("head".utf8))
        #expect(payload.message.bytes == Array("message".utf8))
    }

    @Test func errorDescriptions() {
        #expect(
            HeadedPayloadError.missingHeadLength(payloadLength: 3).description
                == "payload of 3 bytes is too short for its head length")
        #expect(
            HeadedPayloadError.headLengthOutOfBounds(headLength: 9, available: 2).description
                == "head length 9 exceeds the 2 bytes that follow it")
    }
}
