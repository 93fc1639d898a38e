import NIOCore
import Testing

@testable import SharewireWire

/// Seeded random and mutated inputs. Whatever the bytes, the decoder must only
/// return events or throw a `FrameDecodingError` (typed throws make anything
/// else impossible; a trap would crash the run), must terminate (the driver
/// bounds every drain loop), must emit only events that satisfy the protocol's
/// rules, and must behave identically however the input is split.
@Suite struct FrameDecoderFuzzTests {
    static let limit: UInt32 = FrameDecoderDripFeedTests.limit

    /// Checks every event against the rules the decoder claims to enforce.
    static func checkInvariants(
        _ outcome: DecodeOutcome, role: FrameRole, inputLength: Int, context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        // Every event consumes at least 8 bytes.
        #expect(outcome.events.count <= inputLength / 8, "\(context)", sourceLocation: sourceLocation)
        var lastRequest: UInt32 = 0
        var hellos = 0
        for (index, event) in outcome.events.enumerated() {
            switch event {
            case let .preface(major, _):
                #expect(index == 0 && major == 1, "\(context): \(event) at \(index)", sourceLocation: sourceLocation)
            case let .frame(header, payload):
                #expect(payload.count == Int(header.length), "\(context): \(event)", sourceLocation: sourceLocation)
                #expect(header.length <= limit, "\(context): \(event)", sourceLocation: sourceLocation)
                #expect(role.accepts(header.type), "\(context): \(event)", sourceLocation: sourceLocation)
                #expect(
                    header.streamID <= FrameHeader.maxStreamID, "\(context): \(event)", sourceLocation: sourceLocation)
                #expect(
                    header.type.isConnectionLevel == (header.streamID == 0), "\(context): \(event)",
                    sourceLocation: sourceLocation)
                switch header.type {
                case .hello:
                    hellos += 1
                    #expect(index == 1, "\(context): HELLO at \(index)", sourceLocation: sourceLocation)
                case .ping, .pong:
                    #expect(header.length == 8, "\(context): \(event)", sourceLocation: sourceLocation)
                case .cancel:
                    #expect(
                        header.length == 0 && header.streamID <= lastRequest, "\(context): \(event)",
                        sourceLocation: sourceLocation)
                case .request:
                    #expect(header.streamID > lastRequest, "\(context): \(event)", sourceLocation: sourceLocation)
                    lastRequest = header.streamID
                case .message, .response, .goAway:
                    break
                }
                if index > 1 {
                    #expect(hellos == 1, "\(context): \(event) before HELLO", sourceLocation: sourceLocation)
                }
            case let .oversized(header):
                #expect(
                    [.request, .message, .response].contains(header.type) && header.length > limit,
                    "\(context): \(event)", sourceLocation: sourceLocation)
                #expect(
                    role.accepts(header.type) && header.streamID != 0
                        && header.streamID <= FrameHeader.maxStreamID,
                    "\(context): \(event)", sourceLocation: sourceLocation)
                if header.type == .request {
                    #expect(header.streamID > lastRequest, "\(context): \(event)", sourceLocation: sourceLocation)
                    lastRequest = header.streamID
                }
            }
        }
        if outcome.error == nil, let finishError = outcome.finishError {
            #expect(
                finishError == .truncated(bufferedBytes: outcome.leftover ?? -1), "\(context)",
                sourceLocation: sourceLocation)
        }
    }

    /// Decodes all at once, one byte at a time and at one random split;
    /// checks they agree and that the events obey the rules.
    static func fuzz(
        _ bytes: [UInt8], role: FrameRole, seed: UInt64, input: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> DecodeOutcome {
        let context = "seed \(seed), input \(input): \(bytes)"
        let reference = decode(bytes, role: role, maxFrameSize: limit, sourceLocation: sourceLocation)
        checkInvariants(
            reference, role: role, inputLength: bytes.count, context: context,
            sourceLocation: sourceLocation)
        for chunking in [Chunking.oneByte, .random(seed: seed &+ UInt64(input))] {
            let outcome = decode(
                bytes, role: role, maxFrameSize: limit, chunking: chunking,
                sourceLocation: sourceLocation)
            #expect(outcome == reference, "\(context), fed \(chunking)", sourceLocation: sourceLocation)
        }
        return reference
    }

    static let handshake = wire { $0.handshake() }

    /// Uniformly random bytes after a valid preface + HELLO.
    @Test(arguments: [FrameRole.server, .client])
    func randomGarbageAfterHandshake(role: FrameRole) async {
        let seed: UInt64 = role == .server ? 0xC0FFEE : 0xBADC0DE
        var rng = SeededRNG(seed: seed)
        var errors = 0
        for input in 0..<2000 {
            // CPU-bound: let other tests' tasks have the (two-thread) cooperative pool now and then.
            if input.isMultiple(of: 100) { await Task.yield() }
            let garbage = rng.bytes(Int.random(in: 0...64, using: &rng))
            let outcome = Self.fuzz(Self.handshake + garbage, role: role, seed: seed, input: input)
            #expect(Array(outcome.events.prefix(2)) == [.preface10, .hello], "seed \(seed), input \(input)")
            if outcome.error != nil { errors += 1 }
        }
        // Random bytes are almost always a violation; this guards against a
        // decoder that silently accepts everything.
        #expect(errors > 1500, "seed \(seed): only \(errors) of 2000 inputs rejected")
    }

    /// Random bytes from the very start: almost all die on the magic.
    @Test func randomGarbageInsteadOfPreface() {
        let seed: UInt64 = 0x0DD
        var rng = SeededRNG(seed: seed)
        for input in 0..<1000 {
            // Half start with a correct prefix of the magic.
            let prefix = Array(Preface.magic.prefix(input.isMultiple(of: 2) ? Int.random(in: 0...6, using: &rng) : 0))
            let bytes = prefix + rng.bytes(Int.random(in: 0...24, using: &rng))
            let outcome = Self.fuzz(bytes, role: .server, seed: seed, input: input)
            if bytes.count >= 6 && Array(bytes.prefix(6)) != Preface.magic {
                #expect(outcome == DecodeOutcome(error: .badMagic), "seed \(seed), input \(input): \(bytes)")
            }
        }
    }

    /// Plausible headers with random fields: types 0...9, small stream ids
    /// (including 0 and the reserved bit), lengths around the limit and the
    /// PING size, so the deeper checks are reached, not just the type byte.
    @Test(arguments: [FrameRole.server, .client])
    func randomHeaders(role: FrameRole) async {
        let seed: UInt64 = role == .server ? 0x4EAD : 0x4EAE
        var rng = SeededRNG(seed: seed)
        var outcomes: Set<String> = []
        for input in 0..<1500 {
            // CPU-bound: let other tests' tasks have the (two-thread) cooperative pool now and then.
            if input.isMultiple(of: 100) { await Task.yield() }
            var builder = WireBuilder()
            builder.handshake()
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let type = UInt8.random(in: 0...9, using: &rng)
                let streamID: UInt32 =
                    switch Int.random(in: 0..<8, using: &rng) {
                    case 0: 0
                    case 1: 0x8000_0000 | UInt32.random(in: 0...3, using: &rng)
                    default: UInt32.random(in: 1...6, using: &rng)
                    }
                let length: UInt32 =
                    switch Int.random(in: 0..<6, using: &rng) {
                    case 0: 0
                    case 1: 8
                    case 2: Self.limit
                    case 3: Self.limit + 1
                    default: UInt32.random(in: 0...70, using: &rng)
                    }
                builder.header(
                    length: length, type: type, flags: UInt8.random(in: 0...255, using: &rng), streamID: streamID)
                // Usually the whole payload; sometimes short, to run into the next header.
                let payload = Bool.random(using: &rng) ? Int(length) : Int.random(in: 0...Int(length), using: &rng)
                builder.raw(rng.bytes(payload))
            }
            let outcome = Self.fuzz(builder.bytes, role: role, seed: seed, input: input)
            outcomes.insert(outcome.error.map { "\($0)".prefix(12).description } ?? "ok")
        }
        // The generator must reach a good spread of outcomes.
        #expect(outcomes.count >= 8, "seed \(seed): outcomes \(outcomes.sorted())")
    }

    /// Valid streams (with oversized frames) with a few bytes flipped,
    /// inserted or removed.
    @Test(arguments: [FrameRole.server, .client])
    func mutatedValidStreams(role: FrameRole) async {
        let seed: UInt64 = role == .server ? 0x3117 : 0x3118
        var rng = SeededRNG(seed: seed)
        for input in 0..<400 {
            // CPU-bound: let other tests' tasks have the (two-thread) cooperative pool now and then.
            if input.isMultiple(of: 25) { await Task.yield() }
            let script =
                role == .server
                ? FrameDecoderDripFeedTests.Script.server(seed: seed &+ UInt64(input), frames: 6)
                : FrameDecoderDripFeedTests.Script.client(seed: seed &+ UInt64(input), frames: 6)
            var bytes = script.wire.bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
                case 1: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                default: bytes.remove(at: at)
                }
            }
            _ = Self.fuzz(bytes, role: role, seed: seed, input: input)
        }
    }
}
