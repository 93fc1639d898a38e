import CSharewireProto

/// Response of `ContactService/List` (`sharewire.v1.ListContactsResponse`).
public struct ListContactsResponse: ProtoMessage, Hashable {
    /// In creation order.
    public var contacts: [ContactInfo]
    /// Pass as `pageToken` to get the next page; empty on the last page.
    public var nextPageToken: String
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(contacts: [ContactInfo] = [], nextPageToken: String = "", revision: UInt64 = 0) {
        self.contacts = contacts
        self.nextPageToken = nextPageToken
        self.revision = revision
    }
}

extension ListContactsResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ListContactsResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__list_contacts_response__init)

    var cArenaHint: Int { CEncodingArena.hint(repeated: contacts) + CEncodingArena.hint(nextPageToken) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_contacts, c.pointee.contacts) = arena.repeated(contacts, field: "contacts")
        c.pointee.next_page_token = arena.cString(nextPageToken, field: "next_page_token")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            contacts: try CDecoding.repeated(c.pointee.n_contacts, c.pointee.contacts, of: ContactInfo.self, field: "contacts"),
            nextPageToken: try CDecoding.string(c.pointee.next_page_token, field: "next_page_token"),
            revision: c.pointee.revision)
    }
}
