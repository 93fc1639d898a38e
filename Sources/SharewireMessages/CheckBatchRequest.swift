import CSharewireProto

/// Request of `CheckService/CheckBatch` (`sharewire.v1.CheckBatchRequest`).
///
/// Many checks answered against one state.
public struct CheckBatchRequest: ProtoMessage, Hashable {
    /// At most 1,000 (LIMIT_EXCEEDED, field "checks").
    public var checks: [CheckItem]
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(checks: [CheckItem] = [], minRevision: UInt64 = 0) {
        self.checks = checks
        self.minRevision = minRevision
    }
}

extension CheckBatchRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CheckBatchRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__check_batch_request__init)

    var cArenaHint: Int { CEncodingArena.hint(repeated: checks) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_checks, c.pointee.checks) = arena.repeated(checks, field: "checks")
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            checks: try CDecoding.repeated(c.pointee.n_checks, c.pointee.checks, of: CheckItem.self, field: "checks"),
            minRevision: c.pointee.min_revision)
    }
}
