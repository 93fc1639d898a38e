import CSharewireProto

/// Head of a RESPONSE frame (`sharewire.v1.ResponseHead`): the call's final
/// status and trailing metadata. Encoded and decoded on every call.
public struct ResponseHead: ProtoMessage, Hashable {
    /// gRPC status code, 0 (OK) to 16 (UNAUTHENTICATED).
    public var code: UInt32
    /// Human-readable message; empty for OK.
    public var message: String
    public var details: [StatusDetail]
    public var metadata: [MetadataEntry]

    public init(code: UInt32 = 0, message: String = "", details: [StatusDetail] = [], metadata: [MetadataEntry] = []) {
        self.code = code
        self.message = message
        self.details = details
        self.metadata = metadata
    }
}

extension ResponseHead: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ResponseHead
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__response_head__init)

    var cArenaHint: Int {
        CEncodingArena.hint(message) + CEncodingArena.hint(repeated: details) + CEncodingArena.hint(repeated: metadata)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.code = code
        c.pointee.message = arena.cString(message, field: "message")
        (c.pointee.n_details, c.pointee.details) = arena.repeated(details, field: "details")
        (c.pointee.n_metadata, c.pointee.metadata) = arena.repeated(metadata, field: "metadata")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            code: c.pointee.code,
            message: try CDecoding.string(c.pointee.message, field: "message"),
            details: try CDecoding.repeated(c.pointee.n_details, c.pointee.details, of: StatusDetail.self, field: "details"),
            metadata: try CDecoding.repeated(c.pointee.n_metadata, c.pointee.metadata, of: MetadataEntry.self, field: "metadata"))
    }
}
