import Foundation
import SharewireMessages
import Testing

/// Golden vectors: `Golden/<Message>.<case>.txtpb` encoded by protoc (the
/// C++ reference implementation) into `.bin` by
/// tools/generate-golden-vectors.sh. protobuf-c must decode each to exactly
/// the expected value, and encode that value to the same bytes.
@Suite struct GoldenVectorTests {
    static func load(_ name: String) throws -> [UInt8] {
        guard let directory = Bundle.module.url(forResource: "Golden", withExtension: nil) else {
            throw TestFailure("Golden resources missing from the test bundle")
        }
        let url = directory.appendingPathComponent("\(name).bin")
        // Data(contentsOf:) leaks its buffer for empty files on Linux
        // (FoundationEssentials), which LeakSanitizer reports; skip it.
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        return size == 0 ? [] : [UInt8](try Data(contentsOf: url))
    }

    static func check<M: ProtoMessage>(
        _ name: String, _ expected: M, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let golden = try load(name)
        let decoded = try M(bytes: golden)
        // Equatable compares every field; the message names the case.
        #expect(decoded == expected, "\(name).bin decoded differently", sourceLocation: sourceLocation)
        // protobuf-c and protoc both write fields in field-number order, so
        // a canonical encoding is byte-identical.
        #expect(
            expected.serializedBytes() == golden, "\(name): protobuf-c encoding differs from protoc's",
            sourceLocation: sourceLocation)
    }

    /// Every vector on disk has a test below.
    static let covered: Set<String> = [
        "Hello.full", "Hello.empty", "RequestHead.full", "RequestHead.method_id_only", "ResponseHead.error",
        "ResponseHead.ok", "StatusDetail.full", "MetadataEntry.full", "GoAway.drain", "EchoRequest.full",
        "EchoResponse.full", "HealthCheckRequest.full", "HealthCheckResponse.serving",
        "HealthCheckResponse.service_unknown",
        "ShareRequest.ports_3x2", "CheckBatchRequest.mixed", "CheckBatchResponse.packed",
        "ListDevicesResponse.owned_and_shared", "UpdateContactRequest.clear_first_name",
    ]

    @Test func everyVectorIsCovered() throws {
        let directory = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let bins = Set(files.filter { $0.hasSuffix(".bin") }.map { String($0.dropLast(4)) })
        let texts = Set(files.filter { $0.hasSuffix(".txtpb") }.map { String($0.dropLast(6)) })
        #expect(bins == texts, "every .txtpb needs its .bin; run tools/generate-golden-vectors.sh")
        #expect(bins == Self.covered)
    }

    @Test func hello() throws {
        try Self.check(
            "Hello.full",
            Hello(
                agent: "sharewired/0.1.0", maxFrameSize: 16384, maxMessageSize: 4_294_967_295,
                maxConcurrentCalls: 100, keepaliveIntervalMs: 30000, minPingIntervalMs: 5000, idleTimeoutMs: 600_000))
        try Self.check("Hello.empty", Hello())
        let full = try Hello(bytes: Self.load("Hello.full"))
        #expect(full.agent == "sharewired/0.1.0")
        #expect(full.maxMessageSize == .max)
    }

    @Test func requestHead() throws {
        try Self.check(
            "RequestHead.full",
            RequestHead(
                method: "/sharewire.v1.Diagnostics/Echo", methodID: 10, timeoutMicros: .max,
                metadata: [
                    MetadataEntry(key: "authorization", value: "Bearer sk_test_123"),
                    MetadataEntry(key: "accept-language", value: "日本語"),
                    MetadataEntry(key: "empty-value", value: ""),
                ]))
        try Self.check(
            "RequestHead.method_id_only", RequestHead(methodID: MethodID.healthCheck.rawValue, timeoutMicros: 1_000_000)
        )
        let head = try RequestHead(bytes: Self.load("RequestHead.full"))
        #expect(head.method == "/sharewire.v1.Diagnostics/Echo")
        #expect(MethodID(rawValue: head.methodID) == .diagnosticsEcho)
        #expect(head.timeoutMicros == UInt64.max)
        #expect(head.metadata.map(\.key) == ["authorization", "accept-language", "empty-value"])
        #expect(head.metadata[1].value == "日本語")
    }

    @Test func responseHead() throws {
        try Self.check(
            "ResponseHead.error",
            ResponseHead(
                code: 9, message: "共有先のメールアドレスにアカウントがありません",
                details: [
                    StatusDetail(
                        reason: "CONTACT_HAS_NO_ACCOUNT", subject: "tanaka@example.jp", field: "emails",
                        metadata: [MetadataEntry(key: "index", value: "3")]),
                    StatusDetail(
                        reason: "LIMIT_EXCEEDED",
                        metadata: [
                            MetadataEntry(key: "limit", value: "10000"), MetadataEntry(key: "actual", value: "10001"),
                        ]),
                ],
                metadata: [MetadataEntry(key: "retry-after-ms", value: "250")]))
        try Self.check("ResponseHead.ok", ResponseHead())
    }

    @Test func statusDetailAndMetadataEntry() throws {
        try Self.check(
            "StatusDetail.full",
            StatusDetail(
                reason: "PORTS_PER_SHARE", subject: "device-😀", field: "ports",
                metadata: [MetadataEntry(key: "limit", value: "64")]))
        try Self.check(
            "MetadataEntry.full", MetadataEntry(key: "x-trace-id", value: "0af7651916cd43dd8448eb211c80319c"))
    }

    @Test func goAway() throws {
        try Self.check(
            "GoAway.drain", GoAway(lastStreamID: 2_147_483_647, code: 0, reason: "server shutting down / サーバー停止"))
    }

    @Test func echo() throws {
        try Self.check(
            "EchoRequest.full",
            EchoRequest(
                payload: [0, 1, 2] + Array("hello".utf8) + [0xFF, 0xFE], delayMs: 250, count: 5, intervalMs: 100,
                failCode: 14, failMessage: "unavailable: 再試行してください"))
        try Self.check(
            "EchoResponse.full", EchoResponse(payload: Array("ping".utf8) + [0] + Array("pong".utf8), sequence: .max))
    }

    @Test func health() throws {
        try Self.check("HealthCheckRequest.full", HealthCheckRequest(service: "sharewire.v1.Diagnostics"))
        try Self.check("HealthCheckResponse.serving", HealthCheckResponse(status: .serving))
        try Self.check("HealthCheckResponse.service_unknown", HealthCheckResponse(status: .serviceUnknown))
    }

    // Sharing service (values in SharingSamples).

    @Test func shareRequest() throws {
        try Self.check("ShareRequest.ports_3x2", SharingSamples.share3x2)
        let request = try ShareRequest(bytes: Self.load("ShareRequest.ports_3x2"))
        #expect(request.deviceIDs.count * request.emails.count == 6)
        #expect(request.access.mode == .ports)
    }

    @Test func checkBatch() throws {
        try Self.check("CheckBatchRequest.mixed", SharingSamples.checkBatch)
        try Self.check("CheckBatchResponse.packed", SharingSamples.checkBatchResponse)
        let request = try CheckBatchRequest(bytes: Self.load("CheckBatchRequest.mixed"))
        #expect(request.checks.map(\.port) == [22, 8443, nil, 0])
    }

    @Test func listDevicesResponse() throws {
        try Self.check("ListDevicesResponse.owned_and_shared", SharingSamples.listDevicesResponse)
    }

    @Test func updateContactRequest() throws {
        try Self.check("UpdateContactRequest.clear_first_name", SharingSamples.updateContactClearing)
    }
}
