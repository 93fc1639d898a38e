import CSharewireProto

/// Payload of a GOAWAY frame (`sharewire.v1.GoAway`).
public struct GoAway: ProtoMessage, Hashable {
    /// Highest stream id the sender has accepted or may still accept;
    /// 2147483647 in the first phase of a graceful drain.
    public var lastStreamID: UInt32
    /// gRPC status code describing why (0 graceful, 13 protocol violation,
    /// 8 keepalive abuse).
    public var code: UInt32
    public var reason: String

    public init(lastStreamID: UInt32 = 0, code: UInt32 = 0, reason: String = "") {
        self.lastStreamID = lastStreamID
        self.code = code
        self.reason = reason
    }
}

extension GoAway: CBridgedMessage {
    typealias CMessage = Sharewire__V1__GoAway
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__go_away__init)

    var cArenaHint: Int { CEncodingArena.hint(reason) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.last_stream_id = lastStreamID
        c.pointee.code = code
        c.pointee.reason = arena.cString(reason, field: "reason")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            lastStreamID: c.pointee.last_stream_id,
            code: c.pointee.code,
            reason: try CDecoding.string(c.pointee.reason, field: "reason"))
    }
}
