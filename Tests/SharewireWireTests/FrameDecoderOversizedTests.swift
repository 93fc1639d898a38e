import NIOCore
import Testing

@testable import SharewireWire

/// REQUEST, MESSAGE and RESPONSE frames over `maxFrameSize`: reported as
/// `.oversized(header)`, their payload discarded as it arrives (never
/// buffered), the REQUEST stream id consumed, and decoding resumed after.
@Suite struct FrameDecoderOversizedTests {
    static let limit: UInt32 = 32

    @Test func limitIsInclusive() {
        let bytes = wire {
            $0.handshake()
            $0.frame(.request, streamID: 1, payload: headed([], Array(repeating: 1, count: Int(Self.limit) - 4)))
            $0.frame(.request, streamID: 2, payload: headed([], Array(repeating: 2, count: Int(Self.limit) - 3)))
            $0.ping(3)
        }
        #expect(
            decodeEveryWay(bytes, maxFrameSize: Self.limit)
                == DecodeOutcome(
                    events: [
                        .preface10, .hello,
                        .frame(
                            .request, streamID: 1, payload: headed([], Array(repeating: 1, count: Int(Self.limit) - 4))),
                        .oversized(.request, length: Self.limit + 1, streamID: 2),
                        .frame(.ping, payload: be64(3)),
                    ], leftover: 0))
    }

    @Test(arguments: [FrameType.message, .response])
    func clientSideOversized(type: FrameType) {
        let bytes = wire {
            $0.handshake()
            $0.frame(type, streamID: 3, payload: Array(repeating: 0xAA, count: Int(Self.limit)))
            $0.frame(type, flags: 0x42, streamID: 3, payload: Array(repeating: 0xBB, count: Int(Self.limit) + 1))
            $0.frame(type, streamID: 5, payload: [0xCC])
        }
        #expect(
            decodeEveryWay(bytes, role: .client, maxFrameSize: Self.limit)
                == DecodeOutcome(
                    events: [
                        .preface10, .hello,
                        .frame(type, streamID: 3, payload: Array(repeating: 0xAA, count: Int(Self.limit))),
                        .oversized(FrameHeader(length: Self.limit + 1, type: type, flags: 0x42, streamID: 3)),
                        .frame(type, streamID: 5, payload: [0xCC]),
                    ], leftover: 0))
    }

    /// The oversized event comes with the header alone, and the payload is
    /// consumed from the read buffer as it arrives rather than accumulated.
    @Test func payloadIsSkippedNotBuffered() throws {
        let length: UInt32 = 1_000_000
        var decoder = FrameDecoder(role: .server, maxFrameSize: 1024)
        var buffer = byteBuffer(wire { $0.handshake() } + headerBytes(length: length, type: 0x02, streamID: 9))
        #expect(try decoder.next(from: &buffer).map(Event.init) == .preface10)
        #expect(try decoder.next(from: &buffer).map(Event.init) == .hello)
        #expect(try decoder.next(from: &buffer).map(Event.init) == .oversized(.request, length: length, streamID: 9))
        #expect(decoder.state == .skipping(remaining: length))
        #expect(decoder.lastRequestStreamID == 9)

        var skipped: UInt32 = 0
        let chunk = [UInt8](repeating: 0x5A, count: 4096)
        while skipped + UInt32(chunk.count) < length {
            buffer.writeBytes(chunk)
            let event = try decoder.next(from: &buffer)
            #expect(event == nil)
            skipped += UInt32(chunk.count)
            #expect(buffer.readableBytes == 0)
            #expect(decoder.state == .skipping(remaining: length - skipped))
        }
        // The rest of the payload and a PING in one read.
        buffer.writeRepeatingByte(0x5A, count: Int(length - skipped))
        buffer.writeBytes(wire { $0.ping(77) })
        #expect(try decoder.next(from: &buffer).map(Event.init) == .frame(.ping, payload: be64(77)))
        #expect(decoder.state == .ready)
        #expect(buffer.readableBytes == 0)
    }

    /// A maximal declared length costs nothing: the header is enough.
    @Test(arguments: [UInt32(0x7FFF_FFFF), 0xFFFF_FFFF])
    func hugeDeclaredLength(length: UInt32) throws {
        var decoder = FrameDecoder(role: .client, maxFrameSize: Self.limit)
        var buffer = byteBuffer(
            wire { $0.handshake() } + headerBytes(length: length, type: 0x03, streamID: 1) + [1, 2, 3])
        var events: [Event] = []
        while let event = try decoder.next(from: &buffer) { events.append(Event(event)) }
        #expect(events == [.preface10, .hello, .oversized(.message, length: length, streamID: 1)])
        #expect(buffer.readableBytes == 0)
        #expect(decoder.state == .skipping(remaining: length - 3))
        #expect(throws: FrameDecodingError.truncated(bufferedBytes: 0)) { try decoder.finish(leftover: buffer) }
    }

    @Test func oversizedRequestConsumesItsStreamID() {
        let lower = wire {
            $0.handshake()
            $0.request(2)
            $0.header(length: Self.limit + 1, .request, streamID: 5)
            $0.raw(Array(repeating: 0, count: Int(Self.limit) + 1))
            $0.request(4)
        }
        #expect(
            decodeEveryWay(lower, maxFrameSize: Self.limit)
                == DecodeOutcome(
                    events: [
                        .preface10, .hello,
                        .frame(.request, streamID: 2, payload: headed([0x0A, 0x01, 0x6D], [])),
                        .oversized(.request, length: Self.limit + 1, streamID: 5),
                    ], error: .streamIDNotIncreasing(streamID: 4, last: 5)))

        let same = wire {
            $0.handshake()
            $0.header(length: Self.limit + 1, .request, streamID: 5)
            $0.raw(Array(repeating: 0, count: Int(Self.limit) + 1))
            $0.request(5)
        }
        #expect(decodeEveryWay(same, maxFrameSize: Self.limit).error == .streamIDNotIncreasing(streamID: 5, last: 5))
    }

    /// The stream was opened, so the client may cancel it (it will get
    /// RESOURCE_EXHAUSTED anyway), and a higher id may follow.
    @Test func oversizedRequestOpensItsStream() {
        let bytes = wire {
            $0.handshake()
            $0.header(length: Self.limit + 10, .request, streamID: 5)
            $0.raw(Array(repeating: 0, count: Int(Self.limit) + 10))
            $0.cancel(5)
            $0.request(6)
        }
        #expect(
            decodeEveryWay(bytes, maxFrameSize: Self.limit)
                == DecodeOutcome(
                    events: [
                        .preface10, .hello,
                        .oversized(.request, length: Self.limit + 10, streamID: 5),
                        .frame(.cancel, streamID: 5),
                        .frame(.request, streamID: 6, payload: headed([0x0A, 0x01, 0x6D], [])),
                    ], leftover: 0))
    }

    /// Oversized frames are still validated first: a bad one is an error,
    /// not an oversized event.
    @Test func oversizedFramesAreValidatedFirst() {
        #expect(
            decodeEveryWay(
                wire {
                    $0.handshake()
                    $0.header(length: Self.limit + 1, .request, streamID: 0)
                }, maxFrameSize: Self.limit
            ).error == .streamIDMustBeNonZero(.request))
        #expect(
            decodeEveryWay(
                wire {
                    $0.handshake()
                    $0.header(length: Self.limit + 1, .message, streamID: 1)
                }, maxFrameSize: Self.limit
            ).error == .unexpectedFrameType(.message))
        #expect(
            decodeEveryWay(
                wire {
                    $0.handshake()
                    $0.header(length: Self.limit + 1, .response, streamID: 0x8000_0001)
                }, role: .client, maxFrameSize: Self.limit
            ).error == .reservedStreamIDBit(0x8000_0001))
    }

    /// Bytes inside a skipped payload are never interpreted, even if they
    /// look like frames or garbage.
    @Test func skippedBytesAreNotInterpreted() {
        let inner = wire {
            $0.hello()
            $0.header(length: 0, type: 0xFF, streamID: 0)
            $0.raw(Preface.magic)
        }
        let bytes = wire {
            $0.handshake()
            $0.header(length: UInt32(inner.count), .message, streamID: 1)
            $0.raw(inner)
            $0.message(1, [1])
        }
        #expect(
            decodeEveryWay(bytes, role: .client, maxFrameSize: 8)
                == DecodeOutcome(
                    events: [
                        .preface10, .hello,
                        .oversized(.message, length: UInt32(inner.count), streamID: 1),
                        .frame(.message, streamID: 1, payload: [1]),
                    ], leftover: 0))
    }

    /// Frames at, under and over the limit back to back.
    @Test func consecutiveOversizedFrames() {
        let bytes = wire {
            $0.handshake()
            for id in UInt32(1)...4 {
                $0.header(length: id, .request, streamID: id)
                $0.raw(Array(repeating: UInt8(id), count: Int(id)))
            }
            $0.header(length: 0, .request, streamID: 5)
        }
        // HELLO is 3 bytes, so a limit of 3 admits it; only the 4-byte REQUEST is oversized.
        #expect(
            decodeEveryWay(bytes, maxFrameSize: 3)
                == DecodeOutcome(
                    events: [
                        .preface10, .hello,
                        .frame(.request, streamID: 1, payload: [1]),
                        .frame(.request, streamID: 2, payload: [2, 2]),
                        .frame(.request, streamID: 3, payload: [3, 3, 3]),
                        .oversized(.request, length: 4, streamID: 4),
                        .frame(.request, streamID: 5, payload: []),
                    ], leftover: 0))
    }
}
