import CProtobufC
import CSharewireProto

/// Request of `Diagnostics/Echo` and `Diagnostics/EchoStream`
/// (`sharewire.v1.EchoRequest`).
public struct EchoRequest: ProtoMessage, Hashable {
    /// Returned unchanged in `EchoResponse.payload`.
    public var payload: [UInt8]
    /// Server waits this long before answering (bounded by the server).
    public var delayMs: UInt32
    /// EchoStream only: number of responses to send (bounded by the server).
    public var count: UInt32
    /// EchoStream only: pause between responses.
    public var intervalMs: UInt32
    /// If non-zero, the server answers with this gRPC status code instead of OK.
    public var failCode: UInt32
    /// Message for `failCode`.
    public var failMessage: String

    public init(
        payload: [UInt8] = [],
        delayMs: UInt32 = 0,
        count: UInt32 = 0,
        intervalMs: UInt32 = 0,
        failCode: UInt32 = 0,
        failMessage: String = ""
    ) {
        self.payload = payload
        self.delayMs = delayMs
        self.count = count
        self.intervalMs = intervalMs
        self.failCode = failCode
        self.failMessage = failMessage
    }
}

extension EchoRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__EchoRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__echo_request__init)

    // The payload is not counted: top-level encodes point at it in place.
    var cArenaHint: Int { CEncodingArena.hint(failMessage) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        fillScalarsAndStrings(c, arena: &arena)
        c.pointee.payload = arena.binaryData(payload)
    }

    private func fillScalarsAndStrings(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.delay_ms = delayMs
        c.pointee.count = count
        c.pointee.interval_ms = intervalMs
        c.pointee.fail_code = failCode
        c.pointee.fail_message = arena.cString(failMessage, field: "fail_message")
    }

    /// Points `payload` at the array's own storage for the duration of the
    /// encode instead of copying it into the arena (payloads can be large).
    func withCMessage<R>(arena: inout CEncodingArena, _ body: (UnsafePointer<CMessage>) -> R) -> R {
        let c = arena.message(Self.self)
        fillScalarsAndStrings(c, arena: &arena)
        return payload.withUnsafeBufferPointer { payload in
            // protobuf-c only reads through `data` when packing.
            c.pointee.payload = ProtobufCBinaryData(len: payload.count, data: UnsafeMutablePointer(mutating: payload.baseAddress))
            return body(c)
        }
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            payload: CDecoding.bytes(c.pointee.payload),
            delayMs: c.pointee.delay_ms,
            count: c.pointee.count,
            intervalMs: c.pointee.interval_ms,
            failCode: c.pointee.fail_code,
            failMessage: try CDecoding.string(c.pointee.fail_message, field: "fail_message"))
    }
}
