import CSharewireProto

/// Response of `SharingService/Share` (`sharewire.v1.ShareResponse`).
public struct ShareResponse: ProtoMessage, Hashable {
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64
    /// Pairs that got a new share.
    public var created: UInt32
    /// Pairs whose existing access was replaced.
    public var updated: UInt32

    /// Creates a message; every field defaults to its proto3 default.
    public init(revision: UInt64 = 0, created: UInt32 = 0, updated: UInt32 = 0) {
        self.revision = revision
        self.created = created
        self.updated = updated
    }
}

extension ShareResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ShareResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__share_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.revision = revision
        c.pointee.created = created
        c.pointee.updated = updated
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            revision: c.pointee.revision,
            created: c.pointee.created,
            updated: c.pointee.updated)
    }
}
