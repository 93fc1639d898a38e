import NIOCore
import Testing

@testable import SharewireWire

/// Frames written with the encoder and read back with the decoder.
@Suite struct FrameRoundTripTests {
    static let roles: [FrameRole] = [.server, .client]

    /// Writes the frame under test with the encoder; CANCEL is preceded by the
    /// REQUEST that opens its stream, since a CANCEL needs one.
    static func encode(_ type: FrameType, role: FrameRole, into buffer: inout ByteBuffer) -> [Event] {
        switch type {
        case .hello:
            let mark = buffer.beginFrame(.hello, streamID: 0)
            buffer.writeBytes([0x0A, 0x02, 0x68, 0x69, 0x10, 0x80, 0x80, 0x01])
            buffer.endFrame(mark)
            return [.frame(.hello, payload: [0x0A, 0x02, 0x68, 0x69, 0x10, 0x80, 0x80, 0x01])]
        case .request, .response:
            let mark = buffer.beginFrame(type, streamID: 7)
            let head = buffer.beginHead()
            buffer.writeBytes([0x0A, 0x04, 0x2F, 0x61, 0x2F, 0x62])
            buffer.endHead(head)
            buffer.writeBytes([0x08, 0x96, 0x01])
            buffer.endFrame(mark)
            return [
                .frame(type, streamID: 7, payload: headed([0x0A, 0x04, 0x2F, 0x61, 0x2F, 0x62], [0x08, 0x96, 0x01]))
            ]
        case .message:
            var payload = ByteBuffer()
            payload.writeBytes([0x12, 0x00, 0xFF])
            buffer.writeFrame(.message, streamID: 9, payload: payload)
            return [.frame(.message, streamID: 9, payload: [0x12, 0x00, 0xFF])]
        case .cancel:
            var events: [Event] = []
            if role == .server {
                events = encode(.request, role: role, into: &buffer)
            }
            buffer.writeCancel(streamID: 7)
            return events + [.frame(.cancel, streamID: 7)]
        case .ping, .pong:
            buffer.writePing(type, opaque: 0xFEDC_BA98_7654_3210)
            return [.frame(type, payload: [0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10])]
        case .goAway:
            var payload = ByteBuffer()
            payload.writeBytes([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x10, 0x0D])
            buffer.writeFrame(.goAway, streamID: 0, payload: payload)
            return [.frame(.goAway, payload: [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x10, 0x0D])]
        }
    }

    @Test(arguments: FrameType.allCases, roles)
    func roundTrip(type: FrameType, role: FrameRole) {
        var buffer = ByteBuffer()
        Preface.current.write(to: &buffer)
        var expected: [Event] = [.preface10]
        if type != .hello {
            let hello = buffer.beginFrame(.hello, streamID: 0)
            buffer.writeBytes(helloPayload)
            buffer.endFrame(hello)
            expected.append(.hello)
        }
        let frameEvents = Self.encode(type, role: role, into: &buffer)
        let outcome = decodeEveryWay(buffer.bytes, role: role)

        if role.accepts(type) {
            #expect(outcome == DecodeOutcome(events: expected + frameEvents, leftover: 0))
        } else {
            #expect(outcome == DecodeOutcome(events: expected, error: .unexpectedFrameType(type)))
        }
    }

    @Test(arguments: roles)
    func roleAcceptance(role: FrameRole) {
        let accepted = FrameType.allCases.filter(role.accepts)
        switch role {
        case .server: #expect(accepted == [.hello, .request, .cancel, .ping, .pong, .goAway])
        case .client: #expect(accepted == [.hello, .message, .response, .ping, .pong, .goAway])
        }
    }

    /// A REQUEST/RESPONSE payload decoded and split back into head and message.
    @Test(arguments: [(FrameType.request, FrameRole.server), (.response, .client)])
    func headedPayloadThroughDecoder(type: FrameType, role: FrameRole) throws {
        var buffer = ByteBuffer()
        Preface.current.write(to: &buffer)
        buffer.writeFrame(.hello, streamID: 0, payload: ByteBuffer())
        let mark = buffer.beginFrame(type, streamID: 1)
        let head = buffer.beginHead()
        buffer.writeBytes([1, 2, 3])
        buffer.endHead(head)
        buffer.writeBytes([4, 5, 6, 7])
        buffer.endFrame(mark)

        var decoder = FrameDecoder(role: role, maxFrameSize: 64)
        var frames: [Frame] = []
        while let event = try decoder.next(from: &buffer) {
            if case let .frame(frame) = event { frames.append(frame) }
        }
        #expect(frames.map(\.type) == [.hello, type])
        let frame = try #require(frames.last)
        #expect(frame.streamID == 1)
        #expect(frame.header == FrameHeader(length: 4 + 3 + 4, type: type, streamID: 1))
        let split = try HeadedPayload(splitting: frame.payload)
        #expect(split.head.bytes == [1, 2, 3])
        #expect(split.message.bytes == [4, 5, 6, 7])
    }

    /// Flags are carried through but have no meaning in version 1.
    @Test func flagsAreIgnoredButPreserved() {
        var buffer = ByteBuffer()
        Preface.current.write(to: &buffer)
        buffer.writeFrame(.hello, flags: 0xFF, streamID: 0, payload: ByteBuffer())
        var payload = ByteBuffer()
        payload.writeBytes([1, 2, 3, 4, 5, 6, 7, 8])
        buffer.writeFrame(.ping, flags: 0x01, streamID: 0, payload: payload)
        let outcome = decodeEveryWay(buffer.bytes, role: .client)
        #expect(
            outcome
                == DecodeOutcome(
                    events: [
                        .preface10,
                        .frame(FrameHeader(length: 0, type: .hello, flags: 0xFF, streamID: 0), payload: []),
                        .frame(
                            FrameHeader(length: 8, type: .ping, flags: 0x01, streamID: 0),
                            payload: [1, 2, 3, 4, 5, 6, 7, 8]),
                    ], leftover: 0))
    }

    @Test func withoutPreface() {
        var buffer = ByteBuffer()
        buffer.writeFrame(.hello, streamID: 0, payload: byteBuffer(helloPayload))
        buffer.writePing(.pong, opaque: 1)
        let outcome = decodeEveryWay(buffer.bytes, role: .server, expectPreface: false)
        #expect(outcome == DecodeOutcome(events: [.hello, .frame(.pong, payload: be64(1))], leftover: 0))
    }
}
