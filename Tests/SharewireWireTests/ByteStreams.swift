import NIOCore
import Testing

@testable import SharewireWire

// Test helpers: building inbound byte streams by hand, and driving a
// `FrameDecoder` over them in chunks of any size.
//
// Headers are written here byte by byte (not with the encoder under test), so
// the decoder tests do not depend on the encoder being right.

// MARK: - Deterministic randomness

/// SplitMix64: a tiny, deterministic generator, so every randomized test
/// reproduces from the seed printed in its failure message.
struct SeededRNG: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &self) }
    }
}

// MARK: - Building byte streams

/// Big-endian bytes of `value`, written out by hand.
func be32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

func be64(_ value: UInt64) -> [UInt8] {
    be32(UInt32(value >> 32)) + be32(UInt32(value & 0xFFFF_FFFF))
}

/// The 10 header bytes: `u32 length`, `u8 type`, `u8 flags`, `u32 stream id`.
func headerBytes(length: UInt32, type: UInt8, flags: UInt8 = 0, streamID: UInt32) -> [UInt8] {
    be32(length) + [type, flags] + be32(streamID)
}

/// A stand-in `Hello` payload (protobuf bytes: agent = "t").
let helloPayload: [UInt8] = [0x0A, 0x01, 0x74]

/// Accumulates an inbound byte stream frame by frame.
struct WireBuilder {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ more: [UInt8]) { bytes += more }

    mutating func preface(major: UInt8 = 1, minor: UInt8 = 0) {
        raw(Preface.magic + [major, minor])
    }

    /// A header only, with any raw type byte and declared length.
    mutating func header(length: UInt32, type: UInt8, flags: UInt8 = 0, streamID: UInt32) {
        raw(headerBytes(length: length, type: type, flags: flags, streamID: streamID))
    }

    mutating func header(length: UInt32, _ type: FrameType, flags: UInt8 = 0, streamID: UInt32) {
        header(length: length, type: type.rawValue, flags: flags, streamID: streamID)
    }

    /// A complete frame whose length field matches `payload`.
    mutating func frame(_ type: FrameType, flags: UInt8 = 0, streamID: UInt32 = 0, payload: [UInt8] = []) {
        header(length: UInt32(payload.count), type, flags: flags, streamID: streamID)
        raw(payload)
    }

    mutating func hello(payload: [UInt8] = helloPayload) { frame(.hello, payload: payload) }

    /// Preface then HELLO: the valid start of any inbound stream.
    mutating func handshake(minor: UInt8 = 0) {
        preface(minor: minor)
        hello()
    }

    mutating func request(_ streamID: UInt32, head: [UInt8] = [0x0A, 0x01, 0x6D], message: [UInt8] = []) {
        frame(.request, streamID: streamID, payload: headed(head, message))
    }

    mutating func response(_ streamID: UInt32, head: [UInt8] = [0x08, 0x00], message: [UInt8] = []) {
        frame(.response, streamID: streamID, payload: headed(head, message))
    }

    mutating func message(_ streamID: UInt32, _ payload: [UInt8]) {
        frame(.message, streamID: streamID, payload: payload)
    }

    mutating func cancel(_ streamID: UInt32) { frame(.cancel, streamID: streamID) }
    mutating func ping(_ opaque: UInt64) { frame(.ping, payload: be64(opaque)) }
    mutating func pong(_ opaque: UInt64) { frame(.pong, payload: be64(opaque)) }
    mutating func goAway(_ payload: [UInt8] = [0x08, 0x07]) { frame(.goAway, payload: payload) }
}

/// `u32 head_len` · head · message.
func headed(_ head: [UInt8], _ message: [UInt8]) -> [UInt8] {
    be32(UInt32(head.count)) + head + message
}

func wire(_ build: (inout WireBuilder) -> Void) -> [UInt8] {
    var builder = WireBuilder()
    build(&builder)
    return builder.bytes
}

func byteBuffer(_ bytes: [UInt8]) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeBytes(bytes)
    return buffer
}

extension ByteBuffer {
    /// The readable bytes, copied out for comparison.
    var bytes: [UInt8] { Array(readableBytesView) }
}

// MARK: - Driving the decoder

/// A `FrameEvent` flattened into something `Equatable`, with payloads copied.
enum Event: Hashable, CustomStringConvertible {
    case preface(major: UInt8, minor: UInt8)
    case frame(FrameHeader, payload: [UInt8])
    case oversized(FrameHeader)

    init(_ event: FrameEvent) {
        switch event {
        case let .preface(p): self = .preface(major: p.major, minor: p.minor)
        case let .frame(f): self = .frame(f.header, payload: f.payload.bytes)
        case let .oversized(h): self = .oversized(h)
        }
    }

    static let preface10 = Event.preface(major: 1, minor: 0)
    static let hello = Event.frame(
        FrameHeader(length: UInt32(helloPayload.count), type: .hello, streamID: 0),
        payload: helloPayload)

    /// A frame event whose header length matches `payload`.
    static func frame(_ type: FrameType, streamID: UInt32 = 0, payload: [UInt8] = []) -> Event {
        .frame(FrameHeader(length: UInt32(payload.count), type: type, streamID: streamID), payload: payload)
    }

    static func oversized(_ type: FrameType, length: UInt32, streamID: UInt32) -> Event {
        .oversized(FrameHeader(length: length, type: type, streamID: streamID))
    }

    var description: String {
        switch self {
        case let .preface(major, minor): return "preface(\(major).\(minor))"
        case let .frame(h, payload):
            return "frame(\(h.type) len=\(h.length) flags=\(h.flags) stream=\(h.streamID) payload=\(payload))"
        case let .oversized(h): return "oversized(\(h.type) len=\(h.length) stream=\(h.streamID))"
        }
    }
}

/// Everything observable about one decode of a byte stream.
struct DecodeOutcome: Hashable, CustomStringConvertible {
    var events: [Event] = []
    /// The error `next(from:)` threw, if any (decoding stops there).
    var error: FrameDecodingError?
    /// Without an error: bytes still buffered after the last chunk.
    var leftover: Int?
    /// Without an error: what `finish(leftover:)` threw at end of input.
    var finishError: FrameDecodingError?

    var description: String {
        "events: \(events), error: \(error.map(String.init(describing:)) ?? "none"), "
            + "leftover: \(leftover.map(String.init) ?? "-"), finish: \(finishError.map(String.init(describing:)) ?? "ok")"
    }
}

/// Feeds a decoder chunk by chunk, draining it after each chunk, as a channel
/// handler would.
struct DecoderDriver {
    var decoder: FrameDecoder
    var buffer = ByteBuffer()
    var outcome = DecodeOutcome()
    /// Set if a drain loop hit its iteration bound (the decoder spun).
    var spun = false

    init(role: FrameRole = .server, maxFrameSize: UInt32 = 1 << 14, expectPreface: Bool = true) {
        decoder = FrameDecoder(role: role, maxFrameSize: maxFrameSize, expectPreface: expectPreface)
    }

    /// Appends `chunk`, then calls `next(from:)` until it returns nil or throws.
    /// Returns the events this chunk produced. Does nothing after an error.
    @discardableResult
    mutating func feed(_ chunk: some Sequence<UInt8>) -> [Event] {
        guard outcome.error == nil else { return [] }
        buffer.writeBytes(chunk)
        var produced: [Event] = []
        // Every event consumes at least 8 bytes, so a correct decoder needs at
        // most readableBytes/8 + 1 calls; the bound catches an endless loop.
        var budget = buffer.readableBytes + 2
        while budget > 0 {
            budget -= 1
            do {
                guard let event = try decoder.next(from: &buffer) else { break }
                produced.append(Event(event))
            } catch {
                outcome.error = error
                break
            }
        }
        if budget == 0 { spun = true }
        outcome.events += produced
        return produced
    }

    /// Ends the input, recording leftover bytes and `finish(leftover:)`.
    mutating func finish() -> DecodeOutcome {
        if outcome.error == nil {
            outcome.leftover = buffer.readableBytes
            do throws(FrameDecodingError) {
                try decoder.finish(leftover: buffer)
            } catch {
                outcome.finishError = error
            }
        }
        return outcome
    }
}

/// How to cut a byte stream into chunks.
enum Chunking: CustomStringConvertible {
    case all
    case oneByte
    case random(seed: UInt64)
    case sizes([Int])

    func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .all:
            return [bytes[...]]
        case .oneByte:
            return bytes.indices.map { bytes[$0..<$0 + 1] }
        case let .sizes(sizes):
            var result: [ArraySlice<UInt8>] = []
            var start = 0
            for size in sizes where start < bytes.count {
                let end = min(start + size, bytes.count)
                result.append(bytes[start..<end])
                start = end
            }
            if start < bytes.count { result.append(bytes[start...]) }
            return result
        case let .random(seed):
            var rng = SeededRNG(seed: seed)
            // Vary the typical chunk size from seed to seed; empty chunks too.
            let maxChunk = [2, 5, 11, 32, 200][Int.random(in: 0..<5, using: &rng)]
            var result: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let size = Int.random(in: 0...maxChunk, using: &rng)
                let end = min(start + size, bytes.count)
                result.append(bytes[start..<end])
                start = end
            }
            return result
        }
    }

    var description: String {
        switch self {
        case .all: return "all at once"
        case .oneByte: return "one byte at a time"
        case let .random(seed): return "random splits, seed \(seed)"
        case let .sizes(sizes): return "chunks \(sizes)"
        }
    }
}

/// Decodes `bytes` fed in the given chunks, then finishes.
func decode(
    _ bytes: [UInt8], role: FrameRole = .server, maxFrameSize: UInt32 = 1 << 14,
    expectPreface: Bool = true, chunking: Chunking = .all,
    sourceLocation: SourceLocation = #_sourceLocation
) -> DecodeOutcome {
    var driver = DecoderDriver(role: role, maxFrameSize: maxFrameSize, expectPreface: expectPreface)
    for chunk in chunking.chunks(bytes) {
        driver.feed(chunk)
        if driver.outcome.error != nil { break }
    }
    #expect(!driver.spun, "decoder did not terminate (\(chunking))", sourceLocation: sourceLocation)
    return driver.finish()
}

/// Decodes `bytes` all at once, one byte at a time and at `randomSplits`
/// seeded random split points, expects the same events and error every way,
/// and returns the all-at-once outcome for exact assertions.
///
/// (`DecodeOutcome` records leftover bytes only when no error was thrown: an
/// early-detected error legitimately leaves a different amount buffered.)
func decodeEveryWay(
    _ bytes: [UInt8], role: FrameRole = .server, maxFrameSize: UInt32 = 1 << 14,
    expectPreface: Bool = true, randomSplits: Int = 8, seedBase: UInt64 = 0x5EED,
    sourceLocation: SourceLocation = #_sourceLocation
) -> DecodeOutcome {
    let reference = decode(
        bytes, role: role, maxFrameSize: maxFrameSize, expectPreface: expectPreface,
        sourceLocation: sourceLocation)
    let chunkings = [Chunking.oneByte] + (0..<UInt64(randomSplits)).map { .random(seed: seedBase &+ $0) }
    for chunking in chunkings {
        let outcome = decode(
            bytes, role: role, maxFrameSize: maxFrameSize, expectPreface: expectPreface,
            chunking: chunking, sourceLocation: sourceLocation)
        #expect(outcome == reference, "fed \(chunking)", sourceLocation: sourceLocation)
    }
    return reference
}
