import CProtobufC
import CSharewireProto

/// Response of `Diagnostics/Echo` and `Diagnostics/EchoStream`
/// (`sharewire.v1.EchoResponse`).
public struct EchoResponse: ProtoMessage, Hashable {
    /// The request's payload, unchanged.
    public var payload: [UInt8]
    /// EchoStream: 0-based index of this response.
    public var sequence: UInt32

    public init(payload: [UInt8] = [], sequence: UInt32 = 0) {
        self.payload = payload
        self.sequence = sequence
    }
}

extension EchoResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__EchoResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__echo_response__init)

    // The payload is not counted: top-level encodes point at it in place.
    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.payload = arena.binaryData(payload)
        c.pointee.sequence = sequence
    }

    /// Points `payload` at the array's own storage for the duration of the
    /// encode instead of copying it into the arena.
    func withCMessage<R>(arena: inout CEncodingArena, _ body: (UnsafePointer<CMessage>) -> R) -> R {
        let c = arena.message(Self.self)
        c.pointee.sequence = sequence
        return payload.withUnsafeBufferPointer { payload in
            // protobuf-c only reads through `data` when packing.
            c.pointee.payload = ProtobufCBinaryData(len: payload.count, data: UnsafeMutablePointer(mutating: payload.baseAddress))
            return body(c)
        }
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(payload: CDecoding.bytes(c.pointee.payload), sequence: c.pointee.sequence)
    }
}
