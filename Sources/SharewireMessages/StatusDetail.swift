import CSharewireProto

/// A machine-readable explanation attached to a non-OK status
/// (`sharewire.v1.StatusDetail`).
public struct StatusDetail: ProtoMessage, Hashable {
    /// Stable UPPER_SNAKE_CASE reason, e.g. `"CONTACT_HAS_NO_ACCOUNT"`.
    public var reason: String
    /// The offending object: an id, an email, a method name.
    public var subject: String
    /// The offending request field, if any, e.g. `"emails"`.
    public var field: String
    /// Further key/value facts, e.g. `limit=10000`.
    public var metadata: [MetadataEntry]

    public init(reason: String = "", subject: String = "", field: String = "", metadata: [MetadataEntry] = []) {
        self.reason = reason
        self.subject = subject
        self.field = field
        self.metadata = metadata
    }
}

extension StatusDetail: CBridgedMessage {
    typealias CMessage = Sharewire__V1__StatusDetail
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__status_detail__init)

    var cArenaHint: Int {
        CEncodingArena.hint(reason) + CEncodingArena.hint(subject) + CEncodingArena.hint(field)
            + CEncodingArena.hint(repeated: metadata)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.reason = arena.cString(reason, field: "reason")
        c.pointee.subject = arena.cString(subject, field: "subject")
        c.pointee.field = arena.cString(field, field: "field")
        (c.pointee.n_metadata, c.pointee.metadata) = arena.repeated(metadata, field: "metadata")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            reason: try CDecoding.string(c.pointee.reason, field: "reason"),
            subject: try CDecoding.string(c.pointee.subject, field: "subject"),
            field: try CDecoding.string(c.pointee.field, field: "field"),
            metadata: try CDecoding.repeated(c.pointee.n_metadata, c.pointee.metadata, of: MetadataEntry.self, field: "metadata"))
    }
}
