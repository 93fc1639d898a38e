import SharewireMessages
import Testing

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
            metadata: [
                MetadataEntry(key: "authorization", value: "Bearer x"), MetadataEntry(key: "lang", value: "日本語"),
            ])
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
                StatusDetail(
                    reason: "CONTACT_HAS_NO_ACCOUNT", subject: "a@example.com", field: "emails",
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
        let request = EchoRequest(
            payload: Array(0...255), delayMs: 5, count: 3, intervalMs: 7, failCode: 13, failMessage: "失敗")
        #expect(try roundTrip(request) == request)
        #expect(try roundTrip(EchoRequest()) == EchoRequest())
        let large = EchoResponse(payload: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }, sequence: 42)
        #expect(try roundTrip(large) == large)
        #expect(try roundTrip(EchoResponse()) == EchoResponse())
    }
}

@Suite struct MoreRoundTripTests {
    @Test func health() throws {
        for status in HealthCheckResponse.ServingStatus.allCases {
            #expect(try roundTrip(HealthCheckResponse(status: status)) == HealthCheckResponse(status: status))
        }
        #expect(HealthCheckResponse().serializedBytes().isEmpty)  // UNKNOWN is the proto3 default
        let request = HealthCheckRequest(service: "sharewire.v1.Diagnostics")
        #expect(try roundTrip(request) == request)
        #expect(try roundTrip(HealthCheckRequest()) == HealthCheckRequest())
    }

    @Test func unicodeStrings() throws {
        let texts = [
            "日本語のテキスト", "ｶﾀｶﾅ", "𠮷野家", "emoji 👨‍👩‍👧‍👦 🇯🇵", "e\u{301}", "\u{FEFF}bom", "\u{10FFFF}",
            String(repeating: "長い文字列", count: 10_000),
        ]
        for text in texts {
            let head = ResponseHead(
                code: 3, message: text, details: [StatusDetail(reason: text, subject: text, field: text)],
                metadata: [MetadataEntry(key: text, value: text)])
            #expect(try roundTrip(head) == head)
            #expect(try roundTrip(GoAway(reason: text)).reason == text)
            #expect(try roundTrip(Hello(agent: text)).agent == text)
        }
    }

    @Test func largeMessages() throws {
        let big = String(repeating: "x", count: 3 << 20)
        let head = RequestHead(method: big, metadata: [MetadataEntry(key: big, value: big)])
        #expect(try roundTrip(head) == head)
        let request = EchoRequest(payload: [UInt8](repeating: 0xAB, count: 4 << 20), failMessage: "m")
        #expect(try roundTrip(request) == request)
    }

    /// Empty entries are 2 bytes on the wire but a whole C struct each when
    /// unpacked, so decoding outgrows the small unpack buffer and spills.
    @Test func smallInputThatUnpacksLarge() throws {
        for count in [1, 10, 30, 100, 500] {
            let head = RequestHead(metadata: Array(repeating: MetadataEntry(), count: count))
            #expect(head.serializedBytes().count == 2 * count)
            #expect(try roundTrip(head) == head)
            let response = ResponseHead(
                details: Array(repeating: StatusDetail(metadata: [MetadataEntry()]), count: count))
            #expect(try roundTrip(response) == response)
        }
    }

    @Test func deepAndWideDetails() throws {
        let details = (0..<200).map { index in
            StatusDetail(
                reason: "R\(index)", subject: "s", field: "f",
                metadata: (0..<20).map { MetadataEntry(key: "k\($0)", value: "値\(index)-\($0)") })
        }
        let head = ResponseHead(code: 8, message: "too many", details: details)
        #expect(try roundTrip(head) == head)
    }

    @Test func validateAcceptsOrdinaryStrings() throws {
        try RequestHead(method: "/a/b", metadata: [MetadataEntry(key: "k", value: "日本")]).validate()
        try ResponseHead(message: "", details: [StatusDetail(reason: "R")]).validate()
        try EchoRequest(payload: [0, 0, 0], failMessage: "ok").validate()
    }

    @Test func validateFindsNUL() {
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.RequestHead", field: "method")) {
            try RequestHead(method: "a\u{0}b").validate()
        }
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.RequestHead", field: "metadata.value")) {
            try RequestHead(metadata: [MetadataEntry(key: "k", value: "ok"), MetadataEntry(key: "k", value: "\u{0}")])
                .validate()
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.ResponseHead", field: "details.metadata.key")
        ) {
            try ResponseHead(details: [StatusDetail(metadata: [MetadataEntry(key: "k\u{0}")])]).validate()
        }
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.EchoRequest", field: "fail_message")) {
            try EchoRequest(failMessage: "\u{0}").validate()
        }
    }

    @Test func methodIDPaths() {
        #expect(MethodID(rawValue: 10)?.path == "/sharewire.v1.Diagnostics/Echo")
        #expect(MethodID(rawValue: 0) == nil)
        #expect(Set(MethodID.allCases.map(\.path)).count == MethodID.allCases.count)
    }
}
