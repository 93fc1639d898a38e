import CSharewireProto

/// Response of `SharingService/CommonSharees` (`sharewire.v1.CommonShareesResponse`).
public struct CommonShareesResponse: ProtoMessage, Hashable {
    /// Sorted by email.
    public var sharees: [Sharee]
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(sharees: [Sharee] = [], revision: UInt64 = 0) {
        self.sharees = sharees
        self.revision = revision
    }
}

extension CommonShareesResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CommonShareesResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__common_sharees_response__init)

    var cArenaHint: Int { CEncodingArena.hint(repeated: sharees) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_sharees, c.pointee.sharees) = arena.repeated(sharees, field: "sharees")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            sharees: try CDecoding.repeated(c.pointee.n_sharees, c.pointee.sharees, of: Sharee.self, field: "sharees"),
            revision: c.pointee.revision)
    }
}
