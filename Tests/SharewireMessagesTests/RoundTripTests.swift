import NIOCore
import Testing
import SharewireMessages

/// Encodes `message` both ways (ByteBuffer and array) and decodes it back.
func roundTrip<M: ProtoMessage>(_ message: M, sourceLocation: SourceLocation = #_sourceLocation) throws -> M {
    var buffer = ByteBuffer()
    buffer.writeString("prefix") // serialize must append, not overwrite
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

@Suite struct RoundTripTests {
    @Test func hello() throws {
        let full = Hello(
            agent: "sharewired/0.1.0", maxFrameSize: 16_384, maxMessageSize: 4 << 20, maxConcurrentCalls: 100,
            keepaliveIntervalMs: 30_000, minPingIntervalMs: 5_000, idleTimeoutMs: .max)
        #expect(try roundTrip(full) == full)
        #expect(try roundTrip(Hello()) == Hello())
        #expect(Hello().serializedBytes().isEmpty)
    }

    @Test func requestHead() throws {
        let head = RequestHead(
            method: "/sharewire.v1.Diagnostics/Echo", methodID: MethodID.diagnosticsEcho.rawValue,
            timeoutMicros: .max,
            metadata: [MetadataEntry(key: "authorization", value: "Bearer x"), MetadataEntry(key: "lang", value: "日本語")])
        #expect(try roundTrip(head) == head)
        #expect(try roundTrip(RequestHead(method: "/x/y")) == RequestHead(method: "/x/y"))
    }

    @Test func manyMetadataEntries() throws {
        let metadata = (0..<1000).map { MetadataEntry(key: "k\($0)", value: String(repeating: "v", count: $0)) }
        let head = RequestHead(method: "/m", metadata: metadata)
        #expect(try roundTrip(head) == head)
    }

    @Test func responseHead() throws {
        let head = ResponseHead(
            code: 9, message: "共有先のアカウントがありません",
            details: [
                StatusDetail(reason: "CONTACT_HAS_NO_ACCOUNT", subject: "a@example.com", field: "emails",
                             metadata: [MetadataEntry(key: "limit", value: "10000")]),
                StatusDetail(reason: "EMPTY"),
            ],
            metadata: [MetadataEntry(key: "retry-after", value: "1")])
        #expect(try roundTrip(head) == head)
        #expect(try roundTrip(ResponseHead()) == ResponseHead())
    }

    @Test func goAway() throws {
        let goAway = GoAway(lastStreamID: 2_147_483_647, code: 0, reason: "drain")
        #expect(try roundTrip(goAway) == goAway)
    }

    @Test func echo() throws {
        let request = EchoRequest(payload: Array(0...255), delayMs: 5, count: 3, intervalMs: 7, failCode: 13, failMessage: "失敗")
        #expect(try roundTrip(request) == request)
        #expect(try roundTrip(EchoRequest()) == EchoRequest())
        let large = EchoResponse(payload: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }, sequence: 42)
        #expect(try roundTrip(large) == large)
        #expect(try roundTrip(EchoResponse()) == EchoResponse())
    }
}
