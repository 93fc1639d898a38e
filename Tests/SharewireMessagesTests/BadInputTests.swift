import Testing

@testable import SharewireMessages

/// Length-delimited field `number` holding `payload`.
func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
    varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload
}

func varint(_ value: UInt64) -> [UInt8] {
    var value = value
    var out: [UInt8] = []
    while value >= 0x80 {
        out.append(UInt8(value & 0x7F) | 0x80)
        value >>= 7
    }
    out.append(UInt8(value))
    return out
}

/// Decodes `bytes` as `M`. Either it fails with `ProtoDecodingError` (the
/// only error type decoding can throw), or the result re-encodes and decodes
/// to itself. Returns whether decoding succeeded.
@discardableResult
func decodeIsSafe<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) -> Bool {
    guard let message = try? M(bytes: bytes) else { return false }
    let again = try? M(bytes: message.serializedBytes())
    #expect(again == message, "\(M.self) from \(bytes) does not round-trip")
    return true
}

/// Every message type of the schema (generated).
let allMessageTypes: [any ProtoMessage.Type] = MessageTypes.all

@Suite struct BadInputTests {
    @Test func randomGarbageNeverCrashes() async {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var accepted = 0
        for round in 0..<3_000 {
            // CPU-bound: let other tests' tasks have the (two-thread) cooperative pool now and then.
            if round.isMultiple(of: 50) { await Task.yield() }
            let length = Int.random(in: 0..<64, using: &rng)
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            for type in allMessageTypes where decodeIsSafe(type, bytes) { accepted += 1 }
        }
        #expect(accepted > 0)  // some short inputs are valid messages
    }

    /// Random mutations of valid encodings reach deeper into the decoder
    /// than pure garbage does.
    @Test func mutatedEncodingsNeverCrash() async {
        let seeds: [[UInt8]] = [
            RequestHead(
                method: "/sharewire.v1.Diagnostics/Echo", methodID: 10, timeoutMicros: 1 << 33,
                metadata: [MetadataEntry(key: "k", value: "日本"), MetadataEntry(key: "x", value: "")]
            ).serializedBytes(),
            ResponseHead(
                code: 3, message: "m",
                details: [
                    StatusDetail(
                        reason: "R", subject: "s", field: "f",
                        metadata: [MetadataEntry(key: "a", value: "b")])
                ],
                metadata: [MetadataEntry(key: "c", value: "d")]
            ).serializedBytes(),
            EchoRequest(payload: [1, 2, 3], delayMs: 1, count: 2, intervalMs: 3, failCode: 4, failMessage: "f")
                .serializedBytes(),
            Hello(agent: "a", maxFrameSize: 1, maxMessageSize: 2, maxConcurrentCalls: 3).serializedBytes(),
        ]
        var rng = SplitMix64(seed: 0x5EED_0002)
        for iteration in 0..<3_000 {
            // CPU-bound: let other tests' tasks have the (two-thread) cooperative pool now and then.
            if iteration.isMultiple(of: 50) { await Task.yield() }
            var bytes = seeds[iteration % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: .min ... .max, using: &rng)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes.insert(UInt8.random(in: .min ... .max, using: &rng), at: index)
                default: if bytes.count > 1 { bytes.remove(at: index) }
                }
            }
            for type in allMessageTypes { decodeIsSafe(type, bytes) }
        }
    }

    /// Every prefix of a canonical encoding is either malformed or (cut at a
    /// top-level field boundary) a valid message that re-encodes to exactly
    /// that prefix.
    @Test func truncatedEncodings() throws {
        let head = ResponseHead(
            code: 13, message: "内部エラー",
            details: [
                StatusDetail(reason: "R", subject: "s", field: "f", metadata: [MetadataEntry(key: "k", value: "v")])
            ],
            metadata: [MetadataEntry(key: "a", value: "b"), MetadataEntry(key: "c", value: "d")])
        let full = head.serializedBytes()
        var boundaries = 0
        for length in 0..<full.count {
            let prefix = Array(full[..<length])
            do {
                let decoded = try ResponseHead(bytes: prefix)
                #expect(decoded.serializedBytes() == prefix)
                boundaries += 1
            } catch {
                #expect(
                    error == .malformed(message: "sharewire.v1.ResponseHead"), "prefix of \(length) bytes: \(error)")
            }
        }
        #expect(boundaries == 5)  // empty, after code, message, details, first metadata

        let method = RequestHead(method: "/abc").serializedBytes()
        for length in 1..<method.count {
            #expect(throws: ProtoDecodingError.malformed(message: "sharewire.v1.RequestHead")) {
                try RequestHead(bytes: Array(method[..<length]))
            }
        }
    }

    static let invalidUTF8: [[UInt8]] = [
        [0xC3, 0x28],  // bad continuation
        [0xFF],  // never valid
        [0x61, 0x80],  // lone continuation
        [0xC0, 0xAF],  // overlong "/"
        [0xE0, 0x80, 0xAF],  // overlong "/"
        [0xED, 0xA0, 0x80],  // UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
        [0xE6, 0x97],  // truncated sequence
    ]

    @Test(arguments: invalidUTF8)
    func invalidUTF8IsRejected(bad: [UInt8]) {
        #expect(throws: ProtoDecodingError.invalidUTF8(message: "sharewire.v1.RequestHead", field: "method")) {
            try RequestHead(bytes: field(1, bad))
        }
        #expect(throws: ProtoDecodingError.invalidUTF8(message: "sharewire.v1.RequestHead", field: "metadata.key")) {
            try RequestHead(bytes: field(1, Array("/ok".utf8)) + field(4, field(1, bad)))
        }
        // ResponseHead.details[0].metadata[1].value
        let detail = field(1, Array("R".utf8)) + field(4, field(1, [0x6B])) + field(4, field(2, bad))
        #expect(
            throws: ProtoDecodingError.invalidUTF8(
                message: "sharewire.v1.ResponseHead", field: "details.metadata.value")
        ) {
            try ResponseHead(bytes: field(3, detail))
        }
        #expect(throws: ProtoDecodingError.invalidUTF8(message: "sharewire.v1.EchoRequest", field: "fail_message")) {
            try EchoRequest(bytes: field(1, bad) + field(6, bad))  // bytes payload may hold anything
        }
        #expect(throws: ProtoDecodingError.invalidUTF8(message: "sharewire.v1.Hello", field: "agent")) {
            try Hello(bytes: field(1, bad))
        }
    }

    @Test func validUTF8IsAccepted() throws {
        let bytes = field(1, Array("日本語😀".utf8)) + field(4, field(1, [0xC3, 0xA9]) + field(2, [0xEF, 0xBB, 0xBF]))
        let head = try RequestHead(bytes: bytes)
        #expect(head.method == "日本語😀")
        #expect(head.metadata == [MetadataEntry(key: "é", value: "\u{FEFF}")])
    }

    static let withNUL: [[UInt8]] = [[0x00], [0x61, 0x00, 0x62], [0x61, 0x62, 0x00], [0xE6, 0x97, 0xA5, 0x00, 0x00]]

    @Test(arguments: withNUL)
    func embeddedNULIsRejected(bad: [UInt8]) {
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.RequestHead", field: "method")) {
            try RequestHead(bytes: field(1, bad))
        }
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.RequestHead", field: "metadata.value")) {
            try RequestHead(bytes: field(4, field(1, [0x6B]) + field(2, bad)))
        }
        #expect(
            throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.ResponseHead", field: "details.metadata.key")
        ) {
            try ResponseHead(bytes: field(2, Array("m".utf8)) + field(3, field(4, field(1, bad))))
        }
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.ResponseHead", field: "details.subject"))
        {
            try ResponseHead(bytes: field(3, field(2, bad)))
        }
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.GoAway", field: "reason")) {
            try GoAway(bytes: field(3, bad))
        }
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.HealthCheckRequest", field: "service")) {
            try HealthCheckRequest(bytes: field(1, bad))
        }
    }

    /// Messages up to the shortcut's limit with no zero byte skip the walk;
    /// longer ones, and any with a zero byte, are walked: a NUL in a string is
    /// found either side of the limit.
    @Test(arguments: [0, EmbeddedNULScan.nulScanShortcutLimit - 8, EmbeddedNULScan.nulScanShortcutLimit + 64])
    func nulIsFoundOnEitherSideOfTheShortcutLimit(padding: Int) {
        let filler = field(4, field(1, [0x6B]) + field(2, Array(repeating: 0x61, count: padding)))
        #expect(throws: ProtoDecodingError.embeddedNUL(message: "sharewire.v1.RequestHead", field: "method")) {
            try RequestHead(bytes: filler + field(1, [0x61, 0x00]))
        }
        // A zero byte outside strings (an unknown varint field of value 0) is walked past.
        #expect(throws: Never.self) { try RequestHead(bytes: filler + [0x98, 0x06, 0x00] + field(1, [0x61])) }
    }

    @Test func nulOutsideStringFieldsIsFine() throws {
        // bytes fields may hold NUL.
        #expect(try EchoRequest(bytes: field(1, [0, 0, 0])).payload == [0, 0, 0])
        #expect(try EchoResponse(bytes: field(1, [0])).payload == [0])
        // Unknown length-delimited fields are kept, whatever they hold.
        let head = try RequestHead(bytes: field(1, Array("/m".utf8)) + field(99, [0, 0xFF]))
        #expect(head.method == "/m")
        #expect(head.unknownFields.fields.map(\.number) == [99])
    }

    @Test func wrongWireTypeIsMalformed() {
        let cases: [(String, [UInt8])] = [
            ("string field as varint", [0x08, 0x01]),
            ("string field as fixed32", [0x0D, 1, 2, 3, 4]),
            ("uint32 field as length-delimited", [0x12, 0x01, 0x00]),
            ("uint64 field as fixed64", [0x19, 1, 2, 3, 4, 5, 6, 7, 8]),
            ("message field as varint", [0x20, 0x01]),
            ("nested string as varint", field(4, [0x08, 0x01])),
            ("group start", [0x0B]),
            ("invalid wire type 6", [0x0E]),
            ("invalid wire type 7", [0x0F, 0x00]),
            ("length past end", [0x0A, 0x05, 0x61]),
            ("varint too long", [0x10] + [UInt8](repeating: 0xFF, count: 10) + [0x01]),
            ("unterminated varint", [0x10, 0xFF]),
            ("bare tag", [0x0A]),
        ]
        for (name, bytes) in cases {
            #expect(throws: ProtoDecodingError.malformed(message: "sharewire.v1.RequestHead"), "\(name)") {
                try RequestHead(bytes: bytes)
            }
        }
    }

    /// Found by the FuzzMessages fuzz target: protobuf-c rejects field
    /// number 0 only when the tag is one byte, so an over-long tag encoding
    /// of it (0x85 0x00: field 0, fixed32) was kept as an unknown field, and
    /// the message's own encoding (0x05 ...) then failed to decode.
    @Test func fieldNumberZeroIsMalformedHoweverEncoded() {
        let cases: [(String, [UInt8])] = [
            ("one-byte tag, fixed32", [0x05, 0, 0x21, 0, 0x08]),
            ("two-byte tag, fixed32", [0x85, 0x00, 0, 0x21, 0, 0x08]),
            ("three-byte tag, varint", [0x80, 0x80, 0x00, 0x01]),
            ("after a known field", [0x0A, 0x01, 0x61, 0x82, 0x00, 0x01, 0x62]),
        ]
        for (name, bytes) in cases {
            #expect(throws: ProtoDecodingError.malformed(message: "sharewire.v1.HealthCheckRequest"), "\(name)") {
                try HealthCheckRequest(bytes: bytes)
            }
        }
        // Inside a nested message too.
        #expect(throws: ProtoDecodingError.self) {
            try ResponseHead(bytes: [0x22, 0x03, 0x80, 0x00, 0x01])
        }
    }

    @Test func duplicateSingularFieldLastWins() throws {
        let head = try RequestHead(bytes: field(1, Array("/first".utf8)) + field(1, Array("/second".utf8)))
        #expect(head.method == "/second")
    }

    /// HealthCheckResponse decodes leniently: unknown statuses are `.unknown`.
    /// Enums are open: a status this build does not know is kept, not refused
    /// (a health client treats it as UNKNOWN).
    @Test func unknownServingStatusDecodesAsUnrecognized() throws {
        #expect(try HealthCheckResponse(bytes: [0x08, 0x07]).status == .unrecognized(7))
        #expect(try HealthCheckResponse(bytes: [0x08] + varint(UInt64(bitPattern: -1))).status == .unrecognized(-1))
        #expect(try HealthCheckResponse(bytes: [0x08, 0x02]).status == .notServing)
    }

    @Test func emptyInputIsTheDefaultMessage() throws {
        #expect(try RequestHead(bytes: []) == RequestHead())
        #expect(try RequestHead(serializedBytes: UnsafeRawBufferPointer(start: nil, count: 0)) == RequestHead())
        #expect(try EchoResponse(bytes: []) == EchoResponse())
    }
}
