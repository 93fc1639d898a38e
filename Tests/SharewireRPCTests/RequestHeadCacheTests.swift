import NIOCore
import SharewireMessages
import Testing

@testable import SharewireRPC

/// ``RequestHeadCache``: a head with the bytes of the last one is answered
/// from the cache; anything else is decoded, and decoding errors are not kept.
@Suite struct RequestHeadCacheTests {
    private func bytes(_ head: RequestHead) -> ByteBuffer {
        var buffer = ByteBuffer()
        head.serialize(into: &buffer)
        return buffer
    }

    private let check = RequestHead(
        methodID: 150, timeoutMicros: 5_000_000,
        metadata: [MetadataEntry(key: "authorization", value: "Bearer sw_" + String(repeating: "k", count: 40))])

    @Test func equalBytesGiveTheKeptHeadAndOtherBytesADecodedOne() throws {
        var cache = RequestHeadCache()
        #expect(try cache.decode(bytes(check)) == check)
        #expect(try cache.decode(bytes(check)) == check)
        var other = check
        other.metadata[0].value = "Bearer sw_" + String(repeating: "j", count: 40)  // same length, other bytes
        #expect(try cache.decode(bytes(other)) == other)
        #expect(try cache.decode(bytes(check)) == check)
        var shorter = check
        shorter.timeoutMicros = 0
        #expect(try cache.decode(bytes(shorter)) == shorter)
        #expect(try cache.decode(ByteBuffer()) == RequestHead())
    }

    @Test func aMalformedHeadFailsEveryTimeAndLeavesTheKeptOne() throws {
        var cache = RequestHeadCache()
        _ = try cache.decode(bytes(check))
        let malformed = ByteBuffer(bytes: [0x0A, 0x05, 0x61])  // field 1, length 5, one byte
        for _ in 0..<2 {
            #expect(throws: ProtoDecodingError.self) { try cache.decode(malformed) }
        }
        #expect(try cache.decode(bytes(check)) == check)
    }

    @Test func aHeadOverTheLimitIsDecodedButNotKept() throws {
        var cache = RequestHeadCache()
        _ = try cache.decode(bytes(check))
        var big = check
        big.metadata.append(
            MetadataEntry(key: "x-trace", value: String(repeating: "t", count: RequestHeadCache.maxBytes)))
        #expect(bytes(big).readableBytes > RequestHeadCache.maxBytes)
        #expect(try cache.decode(bytes(big)) == big)
        #expect(cache.keptByteCount == bytes(check).readableBytes)
        #expect(try cache.decode(bytes(big)) == big)
        #expect(try cache.decode(bytes(check)) == check)
    }
}
