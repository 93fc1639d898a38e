import CSharewireProto

/// Response of `SharingService/Transfer` (`sharewire.v1.TransferResponse`).
public struct TransferResponse: ProtoMessage, Hashable {
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64
    /// Devices transferred.
    public var transferred: UInt32

    /// Creates a message; every field defaults to its proto3 default.
    public init(revision: UInt64 = 0, transferred: UInt32 = 0) {
        self.revision = revision
        self.transferred = transferred
    }
}

extension TransferResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__TransferResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__transfer_response__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.revision = revision
        c.pointee.transferred = transferred
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            revision: c.pointee.revision,
            transferred: c.pointee.transferred)
    }
}
