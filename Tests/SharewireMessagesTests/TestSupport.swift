import NIOCore
import SharewireMessages
import Testing

/// Encodes `message` both ways (ByteBuffer and array) and decodes it back.
func roundTrip<M: ProtoMessage>(_ message: M, sourceLocation: SourceLocation = #_sourceLocation) throws -> M {
    var buffer = ByteBuffer()
    buffer.writeString("prefix")  // serialize must append, not overwrite
    let written = message.serialize(into: &buffer)
    #expect(buffer.readableBytes == 6 + written, sourceLocation: sourceLocation)
    buffer.moveReaderIndex(forwardBy: 6)
    let bytes = message.serializedBytes()
    #expect(Array(buffer.readableBytesView) == bytes, sourceLocation: sourceLocation)
    let fromBuffer = try M(buffer: buffer)
    #expect(buffer.readableBytes == written, "init(buffer:) must not move readerIndex", sourceLocation: sourceLocation)
    let fromBytes = try M(bytes: bytes)
    #expect(fromBuffer == fromBytes, sourceLocation: sourceLocation)
    return fromBytes
}

/// A failure with a message, thrown from test helpers.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Deterministic PRNG (SplitMix64) so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
