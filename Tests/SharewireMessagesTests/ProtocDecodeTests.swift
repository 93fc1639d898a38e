import SharewireMessages
import Testing

/// The reverse of the golden vectors: bytes protobuf-c encodes must decode
/// with `protoc --decode` (the C++ reference implementation) to the same
/// values, field by field.
@Suite struct ProtocDecodeTests {
    static let japanese = "共有されたデバイス「リビングのラズパイ」"

    @Test func hello() async throws {
        let hello = Hello(
            agent: "sharewire/0.1.0 \(Self.japanese)", maxFrameSize: 1 << 20, maxMessageSize: .max,
            maxConcurrentCalls: 7, keepaliveIntervalMs: 1, minPingIntervalMs: 2, idleTimeoutMs: 3)
        let text = try await Protoc.decode("Hello", hello.serializedBytes())
        #expect(try Hello(text: text) == hello)
        #expect(try text.uint("max_message_size", as: UInt32.self) == .max)
    }

    @Test func emptyMessagesDecode() async throws {
        #expect(try await Protoc.decode("Hello", Hello().serializedBytes()).fields.isEmpty)
        #expect(try await Protoc.decode("RequestHead", RequestHead().serializedBytes()).fields.isEmpty)
        #expect(try await Protoc.decode("ResponseHead", ResponseHead().serializedBytes()).fields.isEmpty)
    }

    @Test func requestHead() async throws {
        let head = RequestHead(
            method: "/sharewire.v1.Health/Check", methodID: 1, timeoutMicros: 1 << 40,
            metadata: (0..<50).map { MetadataEntry(key: "k-\($0)", value: "\(Self.japanese) \($0) \"quoted\"\\") })
        let text = try await Protoc.decode("RequestHead", head.serializedBytes())
        #expect(try RequestHead(text: text) == head)
        #expect(try text.messages("metadata").count == 50)
    }

    @Test func responseHead() async throws {
        let head = ResponseHead(
            code: 16, message: "認証が必要です\n(line 2)\t\u{7}",
            details: [
                StatusDetail(
                    reason: "UNAUTHENTICATED", subject: "api-key", field: "authorization",
                    metadata: [MetadataEntry(key: "hint", value: "😀")]),
                StatusDetail(),
                StatusDetail(field: "x"),
            ],
            metadata: [MetadataEntry(key: "a", value: ""), MetadataEntry(key: "", value: "b")])
        let text = try await Protoc.decode("ResponseHead", head.serializedBytes())
        #expect(try ResponseHead(text: text) == head)
    }

    @Test func goAway() async throws {
        let goAway = GoAway(lastStreamID: .max, code: 13, reason: "protocol violation: 不正なフレーム")
        #expect(try await GoAway(text: Protoc.decode("GoAway", goAway.serializedBytes())) == goAway)
    }

    @Test func echo() async throws {
        var rng = SplitMix64(seed: 7)
        let payload = (0..<70_000).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let request = EchoRequest(
            payload: payload, delayMs: .max, count: 3, intervalMs: 4, failCode: 5, failMessage: Self.japanese)
        #expect(try await EchoRequest(text: Protoc.decode("EchoRequest", request.serializedBytes())) == request)
        let response = EchoResponse(payload: [0, 0, 0, 0xFF], sequence: 12)
        #expect(try await EchoResponse(text: Protoc.decode("EchoResponse", response.serializedBytes())) == response)
    }

    @Test(arguments: HealthCheckResponse.ServingStatus.allCases)
    func health(status: HealthCheckResponse.ServingStatus) async throws {
        let response = HealthCheckResponse(status: status)
        #expect(
            try await HealthCheckResponse(text: Protoc.decode("HealthCheckResponse", response.serializedBytes()))
                == response)
        let request = HealthCheckRequest(service: "sharewire.v1.Health")
        #expect(
            try await HealthCheckRequest(text: Protoc.decode("HealthCheckRequest", request.serializedBytes()))
                == request)
    }
}

// Field-by-field conversion from protoc's text output (field names as in
// the .proto files). Each rejects fields it does not expect.

extension MetadataEntry {
    init(text: TextMessage) throws {
        try text.expectOnly(["key", "value"])
        self.init(key: try text.string("key"), value: try text.string("value"))
    }
}

extension Hello {
    init(text: TextMessage) throws {
        try text.expectOnly([
            "agent", "max_frame_size", "max_message_size", "max_concurrent_calls",
            "keepalive_interval_ms", "min_ping_interval_ms", "idle_timeout_ms",
        ])
        self.init(
            agent: try text.string("agent"),
            maxFrameSize: try text.uint("max_frame_size"),
            maxMessageSize: try text.uint("max_message_size"),
            maxConcurrentCalls: try text.uint("max_concurrent_calls"),
            keepaliveIntervalMs: try text.uint("keepalive_interval_ms"),
            minPingIntervalMs: try text.uint("min_ping_interval_ms"),
            idleTimeoutMs: try text.uint("idle_timeout_ms"))
    }
}

extension RequestHead {
    init(text: TextMessage) throws {
        try text.expectOnly(["method", "method_id", "timeout_us", "metadata"])
        self.init(
            method: try text.string("method"),
            methodID: try text.uint("method_id"),
            timeoutMicros: try text.uint("timeout_us"),
            metadata: try text.messages("metadata").map(MetadataEntry.init(text:)))
    }
}

extension StatusDetail {
    init(text: TextMessage) throws {
        try text.expectOnly(["reason", "subject", "field", "metadata"])
        self.init(
            reason: try text.string("reason"),
            subject: try text.string("subject"),
            field: try text.string("field"),
            metadata: try text.messages("metadata").map(MetadataEntry.init(text:)))
    }
}

extension ResponseHead {
    init(text: TextMessage) throws {
        try text.expectOnly(["code", "message", "details", "metadata"])
        self.init(
            code: try text.uint("code"),
            message: try text.string("message"),
            details: try text.messages("details").map(StatusDetail.init(text:)),
            metadata: try text.messages("metadata").map(MetadataEntry.init(text:)))
    }
}

extension GoAway {
    init(text: TextMessage) throws {
        try text.expectOnly(["last_stream_id", "code", "reason"])
        self.init(
            lastStreamID: try text.uint("last_stream_id"), code: try text.uint("code"),
            reason: try text.string("reason"))
    }
}

extension EchoRequest {
    init(text: TextMessage) throws {
        try text.expectOnly(["payload", "delay_ms", "count", "interval_ms", "fail_code", "fail_message"])
        self.init(
            payload: try text.bytes("payload"),
            delayMs: try text.uint("delay_ms"),
            count: try text.uint("count"),
            intervalMs: try text.uint("interval_ms"),
            failCode: try text.uint("fail_code"),
            failMessage: try text.string("fail_message"))
    }
}

extension EchoResponse {
    init(text: TextMessage) throws {
        try text.expectOnly(["payload", "sequence"])
        self.init(payload: try text.bytes("payload"), sequence: try text.uint("sequence"))
    }
}

extension HealthCheckRequest {
    init(text: TextMessage) throws {
        try text.expectOnly(["service"])
        self.init(service: try text.string("service"))
    }
}

extension HealthCheckResponse {
    init(text: TextMessage) throws {
        try text.expectOnly(["status"])
        let names: [String: ServingStatus] = [
            "UNKNOWN": .unknown, "SERVING": .serving, "NOT_SERVING": .notServing, "SERVICE_UNKNOWN": .serviceUnknown,
        ]
        let token = try text.enumToken("status") ?? "UNKNOWN"
        guard let status = names[token] else { throw TestFailure("unknown ServingStatus \(token)") }
        self.init(status: status)
    }
}
