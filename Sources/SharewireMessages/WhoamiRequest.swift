import CSharewireProto

/// Request of `AccountService/Whoami` (`sharewire.v1.WhoamiRequest`).
public struct WhoamiRequest: ProtoMessage, Hashable {
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(minRevision: UInt64 = 0) {
        self.minRevision = minRevision
    }
}

extension WhoamiRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__WhoamiRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__whoami_request__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            minRevision: c.pointee.min_revision)
    }
}
