import CSharewireProto

/// Request of `SharingService/CommonSharees` (`sharewire.v1.CommonShareesRequest`).
///
/// The people shared on *every* one of the caller's devices: what a bulk
/// stop-sharing may offer.
public struct CommonShareesRequest: ProtoMessage, Hashable {
    /// At least one, at most 1,000.
    public var deviceIDs: [String]
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceIDs: [String] = [], minRevision: UInt64 = 0) {
        self.deviceIDs = deviceIDs
        self.minRevision = minRevision
    }
}

extension CommonShareesRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CommonShareesRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__common_sharees_request__init)

    var cArenaHint: Int { CEncodingArena.hint(strings: deviceIDs) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_device_ids, c.pointee.device_ids) = arena.cStrings(deviceIDs, field: "device_ids")
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceIDs: try CDecoding.strings(c.pointee.n_device_ids, c.pointee.device_ids, field: "device_ids"),
            minRevision: c.pointee.min_revision)
    }
}
