import SharewireMessages
import Testing

/// Fields this build does not know survive decode → encode, as swift-protobuf
/// keeps them: a field a newer peer added is not dropped by a message passed on.
struct UnknownFieldsTests {
    /// One unknown field of each wire type the protocol uses, numbered far
    /// above any field of the schema.
    static let unknown: [UInt8] =
        varint(1000 << 3 | 0) + varint(300)  // varint
        + field(1001, Array("newer".utf8))  // length-delimited
        + varint(1002 << 3 | 5) + [1, 2, 3, 4]  // 32-bit
        + varint(1003 << 3 | 1) + [1, 2, 3, 4, 5, 6, 7, 8]  // 64-bit

    static func roundTrip<M: ProtoMessage>(_ message: M) throws -> (decoded: M, reencoded: [UInt8]) {
        let decoded = try M(bytes: message.serializedBytes() + unknown)
        return (decoded, decoded.serializedBytes())
    }

    @Test(arguments: SharingSamples.all.indices)
    func everySharingMessageKeepsUnknownFields(index: Int) throws {
        try Self.check(SharingSamples.all[index])
    }

    @Test func transportMessagesKeepUnknownFields() throws {
        try Self.check(
            RequestHead(method: "/m", methodID: 10, timeoutMicros: 5, metadata: [MetadataEntry(key: "k", value: "v")]))
        try Self.check(ResponseHead(code: 5, message: "gone", details: [StatusDetail(reason: "R")]))
        try Self.check(Hello(agent: "a", maxFrameSize: 1))
        try Self.check(GoAway(lastStreamID: 3, code: 0, reason: "bye"))
        try Self.check(EchoRequest(payload: [1, 2, 3], delayMs: 4))
        try Self.check(EchoResponse(payload: [9], sequence: 2))
        try Self.check(HealthCheckResponse(status: .serving))
    }

    static func check<M: ProtoMessage>(_ message: M) throws {
        let (decoded, reencoded) = try roundTrip(message)
        // The known fields are as before, the unknown ones kept in order...
        let again = try M(bytes: reencoded)
        #expect(again == decoded, "\(M.self)")
        // ...and re-encoded: dropping them gives the original encoding.
        #expect(reencoded.count == message.serializedBytes().count + unknown.count, "\(M.self)")
        #expect(Array(reencoded.suffix(unknown.count)) == unknown, "\(M.self): unknown fields not at the end as sent")
    }

    @Test func unknownFieldsOfNestedMessagesAreKeptToo() throws {
        // ShareRequest.access (field 3) carries an unknown field of its own.
        let access = Access(mode: .ports, serviceIDs: ["svc_1"]).serializedBytes() + field(1001, [7])
        var bytes = field(1, Array("dev_1".utf8))
        bytes += field(2, Array("b@example.com".utf8))
        bytes += field(3, access)
        let request = try ShareRequest(bytes: bytes)
        #expect(request.access.serviceIDs == ["svc_1"])
        #expect(request.access.unknownFields.fields.map(\.number) == [1001])
        let reencoded = try ShareRequest(bytes: request.serializedBytes())
        #expect(reencoded.access.unknownFields == request.access.unknownFields)
        #expect(reencoded == request)
    }

    /// Unknown fields take part in `==`: a message that carries one differs
    /// from the same known fields without it, and a fresh message has none.
    @Test func unknownFieldsTakePartInEquality() throws {
        let plain = ShareRequest(deviceIDs: ["dev_1"])
        #expect(plain.unknownFields.isEmpty)
        let carrying = try ShareRequest(bytes: plain.serializedBytes() + field(1001, [7]))
        #expect(carrying.deviceIDs == plain.deviceIDs)
        #expect(carrying != plain)
    }
}
