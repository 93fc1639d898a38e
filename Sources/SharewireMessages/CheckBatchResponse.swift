import CSharewireProto

/// Response of `CheckService/CheckBatch` (`sharewire.v1.CheckBatchResponse`).
public struct CheckBatchResponse: ProtoMessage, Hashable {
    /// One answer per check, in request order.
    public var allowed: [Bool]
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(allowed: [Bool] = [], revision: UInt64 = 0) {
        self.allowed = allowed
        self.revision = revision
    }
}

extension CheckBatchResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CheckBatchResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__check_batch_response__init)

    var cArenaHint: Int { CEncodingArena.hint(booleans: allowed) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_allowed, c.pointee.allowed) = arena.booleans(allowed)
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            allowed: CDecoding.booleans(c.pointee.n_allowed, c.pointee.allowed),
            revision: c.pointee.revision)
    }
}
