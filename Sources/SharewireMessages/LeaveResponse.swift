import CSharewireProto

/// Response of `SharingService/Leave` (`sharewire.v1.LeaveResponse`).
public struct LeaveResponse: ProtoMessage, Hashable {
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64
    /// Shares given up.
    public var left: UInt32

    /// Creates a message; every field defaults to its proto3 default.
    public init(revision: UInt64 = 0, left: UInt32 = 0) {
        self.revision = revision
        self.left = left
    }
}

extension LeaveResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__LeaveResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__leave_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.revision = revision
        c.pointee.left = left
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            revision: c.pointee.revision,
            left: c.pointee.left)
    }
}
