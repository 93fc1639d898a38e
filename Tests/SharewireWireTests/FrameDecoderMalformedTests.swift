import NIOCore
import Testing

@testable import SharewireWire

/// Every protocol violation, each with its exact `FrameDecodingError`. Every
/// case is also decoded one byte at a time and at random split points
/// (`decodeEveryWay`), which must fail identically.
@Suite struct FrameDecoderMalformedTests {
    /// The events of a valid preface + HELLO.
    static let handshake: [Event] = [.preface10, .hello]

    // MARK: Preface

    @Test func badMagic() {
        #expect(decodeEveryWay(Array("GET / HTTP/1.1\r\n".utf8)) == DecodeOutcome(error: .badMagic))
        // A TLS ClientHello.
        #expect(
            decodeEveryWay([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC]) == DecodeOutcome(error: .badMagic))
        // Lower case magic.
        #expect(decodeEveryWay(Array("shwr\r\n".utf8) + [1, 0]) == DecodeOutcome(error: .badMagic))
    }

    /// A wrong byte at `position` is rejected as soon as it arrives, without
    /// waiting for the rest of the preface.
    @Test(arguments: 0..<6)
    func badMagicRejectedOnFirstWrongByte(position: Int) throws {
        var bytes = Preface.magic
        bytes[position] ^= 0x20
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64)
        var buffer = ByteBuffer()
        for byte in bytes.prefix(position) {
            buffer.writeInteger(byte)
            let event = try decoder.next(from: &buffer)
            #expect(event == nil)
        }
        buffer.writeInteger(bytes[position])
        #expect(throws: FrameDecodingError.badMagic) { try decoder.next(from: &buffer) }
        #expect(decodeEveryWay(bytes + [1, 0]) == DecodeOutcome(error: .badMagic))
    }

    @Test(arguments: [(UInt8(0), UInt8(0)), (2, 0), (2, 1), (0xFF, 0xFF)])
    func unsupportedMajorVersion(major: UInt8, minor: UInt8) {
        let bytes = wire {
            $0.preface(major: major, minor: minor)
            $0.hello()
        }
        #expect(decodeEveryWay(bytes) == DecodeOutcome(error: .unsupportedVersion(major: major, minor: minor)))
    }

    @Test func unsupportedVersionDescriptionCarriesTheGoAwayReason() {
        #expect(
            FrameDecodingError.unsupportedVersion(major: 2, minor: 1).description
                .hasPrefix("unsupported protocol version"))
    }

    // MARK: Frame types

    @Test(arguments: [UInt8(0x00), 0x09, 0x0A, 0x7F, 0x80, 0xFF])
    func unknownFrameType(raw: UInt8) {
        for role in [FrameRole.server, .client] {
            let afterHello = wire {
                $0.handshake()
                $0.header(length: 0, type: raw, streamID: 1)
            }
            #expect(
                decodeEveryWay(afterHello, role: role)
                    == DecodeOutcome(events: Self.handshake, error: .unknownFrameType(raw)))
            // As the first frame it is unknown, not merely "not HELLO".
            let first = wire {
                $0.preface()
                $0.header(length: 0, type: raw, streamID: 0)
            }
            #expect(
                decodeEveryWay(first, role: role)
                    == DecodeOutcome(events: [.preface10], error: .unknownFrameType(raw)))
        }
    }

    /// An unknown type byte is rejected once byte 4 of the header arrives,
    /// before the stream id, and regardless of the declared length.
    @Test func unknownFrameTypeDetectedAtByteFour() throws {
        var decoder = FrameDecoder(role: .server, maxFrameSize: 64)
        var buffer = byteBuffer(wire { $0.handshake() })
        #expect(try decoder.next(from: &buffer).map(Event.init) == .preface10)
        #expect(try decoder.next(from: &buffer).map(Event.init) == .hello)
        let header = headerBytes(length: 0xFFFF_FFFF, type: 0x42, streamID: 1)
        for byte in header.prefix(4) {
            buffer.writeInteger(byte)
            let event = try decoder.next(from: &buffer)
            #expect(event == nil)
        }
        buffer.writeInteger(header[4])
        #expect(throws: FrameDecodingError.unknownFrameType(0x42)) { try decoder.next(from: &buffer) }
    }

    @Test func unknownFrameTypeDetectedAtByteFourBeforeHello() throws {
        var decoder = FrameDecoder(role: .client, maxFrameSize: 64, expectPreface: false)
        var buffer = byteBuffer([0, 0, 0, 0])
        let event = try decoder.next(from: &buffer)
        #expect(event == nil)
        buffer.writeInteger(UInt8(0x10))
        #expect(throws: FrameDecodingError.unknownFrameType(0x10)) { try decoder.next(from: &buffer) }
    }

    @Test(arguments: [
        (FrameRole.server, FrameType.message), (.server, .response),
        (.client, .request), (.client, .cancel),
    ])
    func frameTypeNotAllowedForRole(role: FrameRole, type: FrameType) {
        let bytes = wire {
            $0.handshake()
            $0.frame(type, streamID: 1, payload: type == .cancel ? [] : headed([], []))
        }
        #expect(
            decodeEveryWay(bytes, role: role)
                == DecodeOutcome(events: Self.handshake, error: .unexpectedFrameType(type)))
    }

    // MARK: HELLO

    @Test(arguments: [FrameType.request, .message, .response, .cancel, .ping, .pong, .goAway])
    func helloNotFirst(type: FrameType) {
        let streamID: UInt32 = type.isConnectionLevel ? 0 : 1
        let payload: [UInt8] = type == .cancel ? [] : Array(repeating: 0, count: 8)
        // A server's GOAWAY in place of its HELLO refuses the connection (§1.2): not a violation.
        for role in [FrameRole.server, .client] where !(role == .client && type == .goAway) {
            let bytes = wire {
                $0.preface()
                $0.frame(type, streamID: streamID, payload: payload)
                $0.hello()
            }
            #expect(
                decodeEveryWay(bytes, role: role)
                    == DecodeOutcome(events: [.preface10], error: .helloExpected(got: type)))
            let withoutPreface = wire {
                $0.frame(type, streamID: streamID, payload: payload)
            }
            #expect(
                decodeEveryWay(withoutPreface, role: role, expectPreface: false)
                    == DecodeOutcome(error: .helloExpected(got: type)))
        }
    }

    @Test func duplicateHello() {
        for role in [FrameRole.server, .client] {
            let bytes = wire {
                $0.handshake()
                $0.ping(1)
                $0.hello()
            }
            #expect(
                decodeEveryWay(bytes, role: role)
                    == DecodeOutcome(events: Self.handshake + [.frame(.ping, payload: be64(1))], error: .duplicateHello)
            )
            let immediately = wire {
                $0.handshake()
                $0.frame(.hello, payload: [])
            }
            #expect(
                decodeEveryWay(immediately, role: role)
                    == DecodeOutcome(events: Self.handshake, error: .duplicateHello))
        }
    }

    // MARK: Stream ids

    @Test(arguments: [FrameType.hello, .ping, .pong, .goAway], [UInt32(1), 2, FrameHeader.maxStreamID])
    func connectionLevelFrameOnNonZeroStream(type: FrameType, streamID: UInt32) {
        let payload: [UInt8] = Array(repeating: 0, count: 8)
        let bytes = wire {
            $0.preface()
            if type != .hello { $0.hello() }
            $0.frame(type, streamID: streamID, payload: payload)
        }
        let events: [Event] = type == .hello ? [.preface10] : Self.handshake
        #expect(
            decodeEveryWay(bytes, role: .client)
                == DecodeOutcome(events: events, error: .streamIDMustBeZero(type, streamID: streamID)))
    }

    @Test(arguments: [
        (FrameRole.server, FrameType.request), (.server, .cancel),
        (.client, .message), (.client, .response),
    ])
    func streamFrameOnStreamZero(role: FrameRole, type: FrameType) {
        let bytes = wire {
            $0.handshake()
            if role == .server { $0.request(1) }
            $0.frame(type, streamID: 0, payload: type == .cancel ? [] : headed([], []))
        }
        let outcome = decodeEveryWay(bytes, role: role)
        #expect(outcome.error == .streamIDMustBeNonZero(type))
        #expect(outcome.events.count == (role == .server ? 3 : 2))
    }

    @Test(
        arguments: [
            (FrameRole.server, FrameType.request), (.server, .cancel), (.server, .ping), (.server, .hello),
            (.client, .message), (.client, .response), (.client, .goAway), (.client, .pong),
        ], [UInt32(0x8000_0000), 0x8000_0001, 0xFFFF_FFFF])
    func reservedTopBit(roleAndType: (FrameRole, FrameType), streamID: UInt32) {
        let (role, type) = roleAndType
        let payload: [UInt8] = type == .cancel ? [] : Array(repeating: 0, count: 8)
        let bytes = wire {
            $0.preface()
            if type != .hello { $0.hello() }
            $0.frame(type, streamID: streamID, payload: payload)
        }
        let events: [Event] = type == .hello ? [.preface10] : Self.handshake
        #expect(
            decodeEveryWay(bytes, role: role)
                == DecodeOutcome(events: events, error: .reservedStreamIDBit(streamID)))
    }

    @Test func requestStreamIDReused() {
        let bytes = wire {
            $0.handshake()
            $0.request(1)
            $0.request(1)
        }
        let outcome = decodeEveryWay(bytes)
        #expect(outcome.error == .streamIDNotIncreasing(streamID: 1, last: 1))
        #expect(outcome.events.count == 3)
    }

    @Test func requestStreamIDDecreasing() {
        let bytes = wire {
            $0.handshake()
            $0.request(3)
            $0.request(5)
            $0.cancel(5)
            $0.request(4)
        }
        let outcome = decodeEveryWay(bytes)
        #expect(outcome.error == .streamIDNotIncreasing(streamID: 4, last: 5))
        #expect(outcome.events.count == 5)
    }

    @Test func cancelForNeverOpenedStream() {
        let first = wire {
            $0.handshake()
            $0.cancel(1)
        }
        #expect(
            decodeEveryWay(first)
                == DecodeOutcome(events: Self.handshake, error: .unopenedStream(.cancel, streamID: 1)))

        let beyond = wire {
            $0.handshake()
            $0.request(3)
            $0.cancel(3)
            $0.cancel(4)
        }
        let outcome = decodeEveryWay(beyond)
        #expect(outcome.error == .unopenedStream(.cancel, streamID: 4))
        #expect(outcome.events.count == 4)
    }

    // MARK: Payload lengths

    @Test(arguments: [FrameType.ping, .pong], [UInt32(0), 1, 7, 9, 16])
    func pingPongLengthMustBeEight(type: FrameType, length: UInt32) {
        let bytes = wire {
            $0.handshake()
            $0.frame(type, payload: Array(repeating: 0xAB, count: Int(length)))
        }
        #expect(
            decodeEveryWay(bytes)
                == DecodeOutcome(events: Self.handshake, error: .invalidPayloadLength(type, length: length)))
    }

    /// The length is checked on the header alone: the payload is never awaited.
    @Test func pingLengthRejectedBeforeItsPayload() {
        let bytes = wire {
            $0.handshake()
            $0.header(length: 1_000_000, .ping, streamID: 0)
        }
        #expect(
            decodeEveryWay(bytes)
                == DecodeOutcome(events: Self.handshake, error: .invalidPayloadLength(.ping, length: 1_000_000)))
    }

    @Test(arguments: [UInt32(1), 4, 0xFFFF_FFFF])
    func cancelWithPayload(length: UInt32) {
        let bytes = wire {
            $0.handshake()
            $0.request(1)
            $0.header(length: length, .cancel, streamID: 1)
            $0.raw([0])
        }
        let outcome = decodeEveryWay(bytes)
        #expect(outcome.error == .invalidPayloadLength(.cancel, length: length))
        #expect(outcome.events.count == 3)
    }

    /// Connection-level frames over the limit are fatal, and rejected on the
    /// header alone (nothing of the payload needs to arrive).
    @Test(arguments: [FrameType.hello, .goAway], [UInt32(65), 1000, 0xFFFF_FFFF])
    func oversizedConnectionLevelFrame(type: FrameType, length: UInt32) {
        let bytes = wire {
            $0.preface()
            if type != .hello { $0.hello() }
            $0.header(length: length, type, streamID: 0)
        }
        let events: [Event] = type == .hello ? [.preface10] : Self.handshake
        #expect(
            decodeEveryWay(bytes, role: .client, maxFrameSize: 64)
                == DecodeOutcome(events: events, error: .frameTooLarge(type, length: length, limit: 64)))
    }

    @Test(arguments: [FrameType.ping, .pong])
    func pingOverATinyLimitIsTooLarge(type: FrameType) {
        let bytes = wire {
            $0.handshake()
            $0.frame(type, payload: be64(1))
        }
        #expect(
            decodeEveryWay(bytes, maxFrameSize: 7)
                == DecodeOutcome(events: Self.handshake, error: .frameTooLarge(type, length: 8, limit: 7)))
    }

    // MARK: Truncation

    @Test func truncatedInPreface() {
        for count in 1..<8 {
            let bytes = Array(wire { $0.preface() }.prefix(count))
            #expect(
                decodeEveryWay(bytes)
                    == DecodeOutcome(leftover: count, finishError: .truncated(bufferedBytes: count)))
        }
    }

    @Test func truncatedMidHeader() {
        for count in 1..<FrameHeader.size {
            let bytes = wire { $0.handshake() } + Array(wire { $0.ping(1) }.prefix(count))
            #expect(
                decodeEveryWay(bytes)
                    == DecodeOutcome(
                        events: Self.handshake, leftover: count,
                        finishError: .truncated(bufferedBytes: count)))
        }
    }

    @Test func truncatedMidHelloHeader() {
        let bytes = wire { $0.preface() } + Array(wire { $0.hello() }.prefix(4))
        #expect(
            decodeEveryWay(bytes)
                == DecodeOutcome(events: [.preface10], leftover: 4, finishError: .truncated(bufferedBytes: 4)))
    }

    @Test func truncatedMidPayload() {
        for count in FrameHeader.size..<FrameHeader.size + 8 {
            let bytes = wire { $0.handshake() } + Array(wire { $0.ping(1) }.prefix(count))
            #expect(
                decodeEveryWay(bytes)
                    == DecodeOutcome(
                        events: Self.handshake, leftover: count,
                        finishError: .truncated(bufferedBytes: count)))
        }
    }

    /// Inside a skipped payload nothing is buffered, but the frame is still
    /// unfinished.
    @Test func truncatedMidSkip() {
        for skipped in [0, 1, 64] {
            let bytes = wire {
                $0.handshake()
                $0.request(1)
                $0.header(length: 65, .request, streamID: 2)
                $0.raw(Array(repeating: 0, count: skipped))
            }
            let outcome = decodeEveryWay(bytes, maxFrameSize: 64)
            #expect(outcome.error == nil)
            #expect(outcome.events.last == .oversized(.request, length: 65, streamID: 2))
            #expect(outcome.leftover == 0)
            #expect(outcome.finishError == .truncated(bufferedBytes: 0))
        }
    }

    @Test func cleanEndsAreNotTruncated() {
        let afterSkip = wire {
            $0.handshake()
            $0.header(length: 65, .request, streamID: 2)
            $0.raw(Array(repeating: 0, count: 65))
        }
        #expect(decodeEveryWay(afterSkip, maxFrameSize: 64).finishError == nil)
        #expect(decodeEveryWay(wire { $0.handshake() }).finishError == nil)
        #expect(decodeEveryWay(wire { $0.preface() }).finishError == nil)
        #expect(decodeEveryWay([]).finishError == nil)
    }

    // MARK: Order of checks

    /// A header breaking several rules reports the first in a fixed order.
    @Test func firstViolationWins() {
        // Not allowed for the role beats a bad stream id.
        #expect(
            decodeEveryWay(
                wire {
                    $0.handshake()
                    $0.frame(.message, streamID: 0x8000_0000)
                }, role: .server
            ).error == .unexpectedFrameType(.message))
        // HELLO expected beats everything but an unknown type.
        #expect(
            decodeEveryWay(
                wire {
                    $0.preface()
                    $0.header(length: 99, .request, streamID: 0x8000_0000)
                }, role: .client
            ).error == .helloExpected(got: .request))
        // Reserved bit beats "must be zero".
        #expect(
            decodeEveryWay(
                wire {
                    $0.handshake()
                    $0.ping(0)
                    $0.header(length: 8, .pong, streamID: 0x8000_0001)
                }
            ).error == .reservedStreamIDBit(0x8000_0001))
        // A bad PING length beats the size limit.
        #expect(
            decodeEveryWay(
                wire {
                    $0.handshake()
                    $0.header(length: 100, .ping, streamID: 0)
                }, maxFrameSize: 64
            ).error == .invalidPayloadLength(.ping, length: 100))
        // A reused stream id beats the size limit: no oversized event for it.
        #expect(
            decodeEveryWay(
                wire {
                    $0.handshake()
                    $0.request(5)
                    $0.header(length: 100, .request, streamID: 5)
                }, maxFrameSize: 64
            ).error == .streamIDNotIncreasing(streamID: 5, last: 5))
    }

    /// After an error the caller closes; the error does not depend on what
    /// follows the offending header.
    @Test func bytesAfterTheViolationDoNotMatter() {
        let bad = wire {
            $0.handshake()
            $0.cancel(1)
        }
        var rng = SeededRNG(seed: 77)
        for _ in 0..<20 {
            let bytes = bad + rng.bytes(Int.random(in: 0...40, using: &rng))
            #expect(
                decodeEveryWay(bytes, randomSplits: 2)
                    == DecodeOutcome(events: Self.handshake, error: .unopenedStream(.cancel, streamID: 1)))
        }
    }
}
