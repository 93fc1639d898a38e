import NIOCore
import Testing

@testable import SharewireWire

/// The decoder fed one byte at a time, and at seeded random split points,
/// must yield exactly the events it yields when fed everything at once.
@Suite struct FrameDecoderDripFeedTests {
    static let limit: UInt32 = 64

    /// A generated, valid inbound stream and the events it must decode to.
    struct Script {
        var wire = WireBuilder()
        var expected: [Event] = []

        mutating func frame(_ type: FrameType, flags: UInt8 = 0, streamID: UInt32 = 0, payload: [UInt8]) {
            wire.frame(type, flags: flags, streamID: streamID, payload: payload)
            expected.append(
                .frame(
                    FrameHeader(
                        length: UInt32(payload.count), type: type, flags: flags,
                        streamID: streamID), payload: payload))
        }

        /// A frame over the limit: header, then a payload that must be skipped.
        mutating func oversized(_ type: FrameType, streamID: UInt32, length: UInt32, rng: inout SeededRNG) {
            wire.header(length: length, type, streamID: streamID)
            wire.raw(rng.bytes(Int(length)))
            expected.append(.oversized(type, length: length, streamID: streamID))
        }

        /// Server side: REQUEST, CANCEL, PING, PONG and oversized REQUESTs,
        /// ending with GOAWAY.
        static func server(seed: UInt64, frames: Int) -> Script {
            var rng = SeededRNG(seed: seed)
            var script = Script()
            script.wire.preface()
            script.expected.append(.preface10)
            script.frame(.hello, payload: helloPayload)
            var last: UInt32 = 0
            for _ in 0..<frames {
                let flags: UInt8 = Bool.random(using: &rng) ? 0 : UInt8.random(in: 0...255, using: &rng)
                switch Int.random(in: 0..<10, using: &rng) {
                case 0...3:
                    last += UInt32.random(in: 1...3, using: &rng)
                    let head = rng.bytes(Int.random(in: 0...8, using: &rng))
                    let message = rng.bytes(Int.random(in: 0...Int(limit) - 4 - head.count, using: &rng))
                    script.frame(.request, flags: flags, streamID: last, payload: headed(head, message))
                case 4:
                    last += 1
                    script.oversized(
                        .request, streamID: last,
                        length: limit + UInt32.random(in: 1...100, using: &rng), rng: &rng)
                case 5:
                    last += 2
                    script.frame(.request, streamID: last, payload: headed([], rng.bytes(Int(limit) - 4)))
                case 6 where last > 0:
                    script.frame(.cancel, flags: flags, streamID: UInt32.random(in: 1...last, using: &rng), payload: [])
                case 7:
                    script.frame(.pong, flags: flags, payload: rng.bytes(8))
                default:
                    script.frame(.ping, flags: flags, payload: rng.bytes(8))
                }
            }
            script.frame(.goAway, payload: rng.bytes(Int.random(in: 0...10, using: &rng)))
            return script
        }

        /// Client side: MESSAGE, RESPONSE, PING and oversized MESSAGE and
        /// RESPONSE frames, ending with GOAWAY.
        static func client(seed: UInt64, frames: Int) -> Script {
            var rng = SeededRNG(seed: seed)
            var script = Script()
            script.wire.preface()
            script.expected.append(.preface10)
            script.frame(.hello, payload: rng.bytes(Int.random(in: 0...Int(limit), using: &rng)))
            for _ in 0..<frames {
                let stream = UInt32.random(in: 1...FrameHeader.maxStreamID, using: &rng)
                switch Int.random(in: 0..<8, using: &rng) {
                case 0...2:
                    script.frame(
                        .message, streamID: stream, payload: rng.bytes(Int.random(in: 0...Int(limit), using: &rng)))
                case 3:
                    let head = rng.bytes(Int.random(in: 0...8, using: &rng))
                    script.frame(
                        .response, streamID: stream,
                        payload: headed(head, rng.bytes(Int.random(in: 0...20, using: &rng))))
                case 4:
                    script.oversized(
                        .message, streamID: stream,
                        length: limit + UInt32.random(in: 1...200, using: &rng), rng: &rng)
                case 5:
                    script.oversized(.response, streamID: stream, length: limit + 1, rng: &rng)
                default:
                    script.frame(.ping, payload: rng.bytes(8))
                }
            }
            script.frame(.goAway, payload: [])
            return script
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 0xDEAD_BEEF])
    func serverStream(seed: UInt64) {
        let script = Script.server(seed: seed, frames: 150)
        #expect(
            script.expected.contains { if case .oversized = $0 { true } else { false } },
            "script seed \(seed) has no oversized frame")
        let outcome = decodeEveryWay(
            script.wire.bytes, role: .server, maxFrameSize: Self.limit,
            randomSplits: 25, seedBase: seed &* 1000)
        #expect(outcome == DecodeOutcome(events: script.expected, leftover: 0), "script seed \(seed)")
    }

    @Test(arguments: [UInt64(4), 5, 6, 0xFACE])
    func clientStream(seed: UInt64) {
        let script = Script.client(seed: seed, frames: 150)
        let outcome = decodeEveryWay(
            script.wire.bytes, role: .client, maxFrameSize: Self.limit,
            randomSplits: 25, seedBase: seed &* 1000)
        #expect(outcome == DecodeOutcome(events: script.expected, leftover: 0), "script seed \(seed)")
    }

    /// Many short scripts, each under many split patterns.
    @Test func manyShortScripts() async {
        for seed in UInt64(100)..<160 {
            // CPU-bound: let other tests' tasks have the (two-thread) cooperative pool now and then.
            await Task.yield()
            let script =
                seed.isMultiple(of: 2)
                ? Script.server(seed: seed, frames: 12)
                : Script.client(seed: seed, frames: 12)
            let role: FrameRole = seed.isMultiple(of: 2) ? .server : .client
            let outcome = decodeEveryWay(
                script.wire.bytes, role: role, maxFrameSize: Self.limit,
                randomSplits: 10, seedBase: seed &* 1000)
            #expect(outcome == DecodeOutcome(events: script.expected, leftover: 0), "script seed \(seed)")
        }
    }

    /// An oversized frame in the middle, with its header, payload and the
    /// next header split at awkward places.
    // Preface 8 + HELLO 13 = 21 bytes, then the oversized header (10) and
    // its 70-byte payload end at 101, then PING (18) and REQUEST (16).
    @Test(arguments: [
        [31],  // exactly up to the end of the oversized header
        [32, 1, 1],  // one payload byte at a time at first
        [101],  // skip ends exactly at a chunk boundary
        [100, 2, 3],  // the last skipped byte plus the next header's first byte
        [106, 5],  // next header split in half
        [20, 10, 50, 10, 100],
    ])
    func oversizedInTheMiddle(chunks: [Int]) {
        let bytes = wire {
            $0.handshake()
            $0.header(length: 70, .request, streamID: 1)
            $0.raw(Array(repeating: 0xEE, count: 70))
            $0.ping(9)
            $0.request(2, head: [7], message: [8])
        }
        let expected = DecodeOutcome(
            events: [
                .preface10, .hello,
                .oversized(.request, length: 70, streamID: 1),
                .frame(.ping, payload: be64(9)),
                .frame(.request, streamID: 2, payload: headed([7], [8])),
            ], leftover: 0)
        #expect(decode(bytes, maxFrameSize: Self.limit, chunking: .sizes(chunks)) == expected)
        #expect(decodeEveryWay(bytes, maxFrameSize: Self.limit) == expected)
    }

    /// Events come out as soon as their last byte arrives, not later.
    @Test func eventsAppearOnTheirLastByte() {
        let bytes = wire {
            $0.handshake()
            $0.ping(1)
            $0.header(length: 65, .request, streamID: 1)
            $0.raw(Array(repeating: 0, count: 65))
            $0.cancel(1)
        }
        var driver = DecoderDriver(maxFrameSize: Self.limit)
        var eventEnds: [Int] = []
        for (index, byte) in bytes.enumerated() {
            if !driver.feed([byte]).isEmpty { eventEnds.append(index + 1) }
        }
        // Preface 8, HELLO 13, PING 18, oversized header 10 (+65 skipped), CANCEL 10.
        #expect(eventEnds == [8, 8 + 13, 8 + 13 + 18, 8 + 13 + 18 + 10, 8 + 13 + 18 + 10 + 65 + 10])
        #expect(driver.outcome.error == nil)
        #expect(driver.buffer.readableBytes == 0)
    }
}
