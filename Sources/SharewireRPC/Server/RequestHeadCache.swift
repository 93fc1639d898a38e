import NIOCore
import SharewireMessages

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The last request head a connection decoded, kept with its wire bytes.
///
/// A client sends the same head on call after call (method id, a relative
/// timeout, its API key), and decoding it (protobuf-c, then a `String` and a
/// metadata array per call) was about 6% of a Check's server CPU. Equal
/// bytes decode to an equal head, so a head whose bytes match the last one
/// is answered from here with one `memcmp`. Only heads up to ``maxBytes``
/// are kept, so a connection holds at most that much more memory.
struct RequestHeadCache {
    /// The largest head kept (a head with a method id, a timeout and a
    /// bearer key is about 60 bytes).
    static let maxBytes = 512

    private var bytes: [UInt8] = []
    private var head: RequestHead?

    /// `buffer`'s readable bytes decoded as a ``RequestHead``.
    mutating func decode(_ buffer: ByteBuffer) throws(ProtoDecodingError) -> RequestHead {
        if let head, matches(buffer) { return head }
        let decoded = try RequestHead(buffer: buffer)
        if buffer.readableBytes <= Self.maxBytes {
            bytes = Array(buffer.readableBytesView)
            head = decoded
        }
        return decoded
    }

    /// The size of the head kept (tests).
    var keptByteCount: Int { bytes.count }

    private func matches(_ buffer: ByteBuffer) -> Bool {
        guard buffer.readableBytes == bytes.count else { return false }
        return buffer.withUnsafeReadableBytes { wire in
            bytes.withUnsafeBytes { kept in
                wire.count == 0 || memcmp(wire.baseAddress!, kept.baseAddress!, wire.count) == 0
            }
        }
    }
}
