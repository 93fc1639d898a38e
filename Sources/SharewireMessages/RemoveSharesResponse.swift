import CSharewireProto

/// Response of `SharingService/RemoveShares` (`sharewire.v1.RemoveSharesResponse`).
public struct RemoveSharesResponse: ProtoMessage, Hashable {
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64
    /// Shares removed.
    public var removed: UInt32

    /// Creates a message; every field defaults to its proto3 default.
    public init(revision: UInt64 = 0, removed: UInt32 = 0) {
        self.revision = revision
        self.removed = removed
    }
}

extension RemoveSharesResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RemoveSharesResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__remove_shares_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.revision = revision
        c.pointee.removed = removed
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            revision: c.pointee.revision,
            removed: c.pointee.removed)
    }
}
