import NIOCore
import Testing

@testable import SharewireWire

/// Well-formed inbound streams: the events the decoder yields, and the
/// stream-id and size rules it enforces on valid input.
@Suite struct FrameDecoderTests {
    // MARK: Preface

    @Test func prefaceNeedsAllEightBytes() throws {
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64)
        var buffer = ByteBuffer()
        for byte in Preface.magic + [1] {
            buffer.writeInteger(byte)
            #expect(try decoder.next(from: &buffer) == nil)
        }
        // Nothing consumed until the preface is complete.
        #expect(buffer.readableBytes == 7)
        buffer.writeInteger(UInt8(0))
        let event = try decoder.next(from: &buffer).map(Event.init)
        #expect(event == .preface10)
        #expect(buffer.readableBytes == 0)
        #expect(try decoder.next(from: &buffer) == nil)
    }

    @Test(arguments: [UInt8(0), 1, 7, 0xFF])
    func minorVersionsAreAccepted(minor: UInt8) {
        let bytes = wire {
            $0.handshake(minor: minor)
            $0.ping(42)
        }
        #expect(
            decodeEveryWay(bytes, role: .client)
                == DecodeOutcome(
                    events: [.preface(major: 1, minor: minor), .hello, .frame(.ping, payload: be64(42))],
                    leftover: 0
                ))
    }

    @Test func emptyInputIsACleanClose() {
        #expect(decode([]) == DecodeOutcome(leftover: 0))
        #expect(decode(wire { $0.preface() }) == DecodeOutcome(events: [.preface10], leftover: 0))
    }

    @Test func withoutPrefaceAPrefaceIsAFrameHeader() {
        // `SHWR` is read as a length, then 0x0D as the type byte.
        let outcome = decodeEveryWay(wire { $0.handshake() }, expectPreface: false)
        #expect(outcome == DecodeOutcome(error: .unknownFrameType(0x0D)))
    }

    // MARK: Conversations

    @Test func serverConversation() {
        let bytes = wire {
            $0.handshake()
            $0.request(1, head: [0x0A, 0x01, 0x61], message: [0x08, 0x01])
            $0.request(3, head: [], message: [])
            $0.ping(0x0102_0304_0506_0708)
            $0.cancel(3)
            $0.request(4, head: [0xAA], message: [0xBB, 0xCC])
            $0.pong(7)
            $0.cancel(1)
            $0.goAway([0x08, 0x04])
        }
        let outcome = decodeEveryWay(bytes, role: .server)
        #expect(
            outcome
                == DecodeOutcome(
                    events: [
                        .preface10,
                        .hello,
                        .frame(.request, streamID: 1, payload: headed([0x0A, 0x01, 0x61], [0x08, 0x01])),
                        .frame(.request, streamID: 3, payload: [0, 0, 0, 0]),
                        .frame(.ping, payload: [1, 2, 3, 4, 5, 6, 7, 8]),
                        .frame(.cancel, streamID: 3),
                        .frame(.request, streamID: 4, payload: headed([0xAA], [0xBB, 0xCC])),
                        .frame(.pong, payload: be64(7)),
                        .frame(.cancel, streamID: 1),
                        .frame(.goAway, payload: [0x08, 0x04]),
                    ], leftover: 0))
    }

    @Test func clientConversation() {
        let bytes = wire {
            $0.handshake()
            $0.message(1, [0x01])
            $0.message(1, [])
            $0.response(1, head: [0x08, 0x00], message: [0x02])
            $0.response(5, head: [0x08, 0x05])
            // Replies may arrive in any stream order on the client side.
            $0.message(3, [0x03, 0x03])
            $0.goAway()
        }
        let outcome = decodeEveryWay(bytes, role: .client)
        #expect(
            outcome
                == DecodeOutcome(
                    events: [
                        .preface10,
                        .hello,
                        .frame(.message, streamID: 1, payload: [0x01]),
                        .frame(.message, streamID: 1, payload: []),
                        .frame(.response, streamID: 1, payload: headed([0x08, 0x00], [0x02])),
                        .frame(.response, streamID: 5, payload: headed([0x08, 0x05], [])),
                        .frame(.message, streamID: 3, payload: [0x03, 0x03]),
                        .frame(.goAway, payload: [0x08, 0x07]),
                    ], leftover: 0))
    }

    /// Each call returns one event and leaves the rest buffered.
    @Test func oneEventPerCall() throws {
        var buffer = byteBuffer(
            wire {
                $0.handshake()
                $0.ping(1)
                $0.ping(2)
            })
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64)
        #expect(try decoder.next(from: &buffer).map(Event.init) == .preface10)
        #expect(buffer.readableBytes == 13 + 18 + 18)
        #expect(try decoder.next(from: &buffer).map(Event.init) == .hello)
        #expect(buffer.readableBytes == 18 + 18)
        #expect(try decoder.next(from: &buffer).map(Event.init) == .frame(.ping, payload: be64(1)))
        #expect(try decoder.next(from: &buffer).map(Event.init) == .frame(.ping, payload: be64(2)))
        #expect(try decoder.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 0)
    }

    @Test func partialHeaderAndPayloadStayBuffered() throws {
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64, expectPreface: false)
        var buffer = byteBuffer(Array(wire { $0.hello() }.prefix(9)))
        #expect(try decoder.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 9)
        buffer.writeBytes(wire { $0.hello() }.dropFirst(9).prefix(2))
        #expect(try decoder.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 11)
        buffer.writeBytes(wire { $0.hello() }.dropFirst(11))
        #expect(try decoder.next(from: &buffer).map(Event.init) == .hello)
    }

    // MARK: Headers that arrive before their payload
    //
    // Regression: the decoder used to commit a header's effects (HELLO seen,
    // REQUEST stream id used) while its payload was still incomplete, then
    // re-validated the same header when more bytes came and rejected it as a
    // duplicate HELLO or a reused stream id.

    @Test func helloWhosePayloadArrivesLater() throws {
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64, expectPreface: false)
        let bytes = wire { $0.hello() }
        var buffer = byteBuffer(Array(bytes.prefix(FrameHeader.size)))
        #expect(try decoder.next(from: &buffer) == nil)
        buffer.writeBytes(bytes.dropFirst(FrameHeader.size))
        #expect(try decoder.next(from: &buffer).map(Event.init) == .hello)
    }

    @Test func requestWhosePayloadArrivesLater() throws {
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64, expectPreface: false)
        var buffer = byteBuffer(wire { $0.hello() })
        #expect(try decoder.next(from: &buffer).map(Event.init) == .hello)
        let request = wire { $0.request(1, head: [1], message: [2]) }
        buffer.writeBytes(request.prefix(FrameHeader.size + 1))
        #expect(try decoder.next(from: &buffer) == nil)
        buffer.writeBytes(request.dropFirst(FrameHeader.size + 1))
        #expect(
            try decoder.next(from: &buffer).map(Event.init)
                == .frame(.request, streamID: 1, payload: headed([1], [2])))
        #expect(decoder.lastRequestStreamID == 1)
    }

    // MARK: Stream ids

    @Test func requestStreamIDsMayHaveGaps() {
        let bytes = wire {
            $0.handshake()
            $0.request(2, head: [])
            $0.request(3, head: [])
            $0.request(1000, head: [])
            $0.request(FrameHeader.maxStreamID, head: [])
        }
        let outcome = decodeEveryWay(bytes)
        #expect(outcome.error == nil)
        #expect(
            Array(outcome.events.dropFirst(2))
                == [UInt32(2), 3, 1000, FrameHeader.maxStreamID].map {
                    Event.frame(.request, streamID: $0, payload: [0, 0, 0, 0])
                })
    }

    @Test func lastRequestStreamIDTracksRequests() throws {
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64)
        var buffer = byteBuffer(
            wire {
                $0.handshake()
                $0.request(5)
                $0.cancel(5)
                $0.request(9)
            })
        #expect(decoder.lastRequestStreamID == 0)
        var seen: [UInt32] = []
        while try decoder.next(from: &buffer) != nil {
            seen.append(decoder.lastRequestStreamID)
        }
        #expect(seen == [0, 0, 5, 5, 9])
    }

    /// Stream ids up to the highest REQUEST are open or closed, never idle,
    /// so cancelling any of them is allowed (the server ignores unknown ones).
    @Test func cancelOfAnyStreamUpToTheLastRequest() {
        let bytes = wire {
            $0.handshake()
            $0.request(7)
            $0.cancel(7)
            $0.cancel(7)
            $0.cancel(2)
            $0.cancel(1)
        }
        let outcome = decodeEveryWay(bytes)
        #expect(outcome.error == nil)
        #expect(Array(outcome.events.dropFirst(3)) == [UInt32(7), 7, 2, 1].map { Event.frame(.cancel, streamID: $0) })
    }

    /// The client side does not track stream ids: replies for any stream pass.
    @Test func clientAcceptsAnyNonZeroStream() {
        let bytes = wire {
            $0.handshake()
            $0.message(9, [1])
            $0.message(2, [2])
            $0.response(FrameHeader.maxStreamID)
        }
        let outcome = decodeEveryWay(bytes, role: .client)
        #expect(outcome.error == nil)
        #expect(outcome.events.count == 5)
    }

    // MARK: Frame size limit

    @Test(arguments: [UInt32(0), 1, 8, 100])
    func frameExactlyAtTheLimitIsAccepted(limit: UInt32) {
        let payload = (0..<limit).map { UInt8(truncatingIfNeeded: $0) }
        let bytes = wire {
            $0.preface()
            $0.frame(.hello, payload: payload)
            $0.frame(.goAway, payload: payload)
            $0.message(1, payload)
            $0.frame(.response, streamID: 1, payload: payload)
        }
        let outcome = decodeEveryWay(bytes, role: .client, maxFrameSize: limit)
        #expect(
            outcome
                == DecodeOutcome(
                    events: [
                        .preface10,
                        .frame(.hello, payload: payload),
                        .frame(.goAway, payload: payload),
                        .frame(.message, streamID: 1, payload: payload),
                        .frame(.response, streamID: 1, payload: payload),
                    ], leftover: 0))
    }

    /// `maxFrameSize` may change mid-connection (e.g. after HELLO); the next
    /// header is checked against the new value.
    @Test func maxFrameSizeChangeAppliesToTheNextFrame() throws {
        var decoder = FrameDecoder(role: .client, maxFrameSize: 4)
        var buffer = byteBuffer(
            wire {
                $0.preface()
                $0.hello(payload: [1, 2, 3, 4])
                $0.message(1, [1, 2, 3, 4, 5])
            })
        #expect(try decoder.next(from: &buffer).map(Event.init) == .preface10)
        #expect(try decoder.next(from: &buffer).map(Event.init) == .frame(.hello, payload: [1, 2, 3, 4]))
        decoder.maxFrameSize = 5
        #expect(
            try decoder.next(from: &buffer).map(Event.init) == .frame(.message, streamID: 1, payload: [1, 2, 3, 4, 5]))
    }
}
