import CSharewireProto

/// Request of `ContactService/List` (`sharewire.v1.ListContactsRequest`).
public struct ListContactsRequest: ProtoMessage, Hashable {
    /// 0 = default (50); at most 500.
    public var pageSize: UInt32
    /// Empty for the first page; otherwise a previous response's `nextPageToken`, unchanged.
    public var pageToken: String
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(pageSize: UInt32 = 0, pageToken: String = "", minRevision: UInt64 = 0) {
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.minRevision = minRevision
    }
}

extension ListContactsRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ListContactsRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__list_contacts_request__init)

    var cArenaHint: Int { CEncodingArena.hint(pageToken) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.page_size = pageSize
        c.pointee.page_token = arena.cString(pageToken, field: "page_token")
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            pageSize: c.pointee.page_size,
            pageToken: try CDecoding.string(c.pointee.page_token, field: "page_token"),
            minRevision: c.pointee.min_revision)
    }
}
