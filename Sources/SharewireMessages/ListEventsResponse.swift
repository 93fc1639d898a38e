import CSharewireProto

/// Response of `EventService/ListEvents` (`sharewire.v1.ListEventsResponse`).
public struct ListEventsResponse: ProtoMessage, Hashable {
    /// In id order.
    public var events: [AuditEvent]
    /// Pass as `pageToken` to get the next page; empty on the last page.
    public var nextPageToken: String
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(events: [AuditEvent] = [], nextPageToken: String = "", revision: UInt64 = 0) {
        self.events = events
        self.nextPageToken = nextPageToken
        self.revision = revision
    }
}

extension ListEventsResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ListEventsResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__list_events_response__init)

    var cArenaHint: Int { CEncodingArena.hint(repeated: events) + CEncodingArena.hint(nextPageToken) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_events, c.pointee.events) = arena.repeated(events, field: "events")
        c.pointee.next_page_token = arena.cString(nextPageToken, field: "next_page_token")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            events: try CDecoding.repeated(c.pointee.n_events, c.pointee.events, of: AuditEvent.self, field: "events"),
            nextPageToken: try CDecoding.string(c.pointee.next_page_token, field: "next_page_token"),
            revision: c.pointee.revision)
    }
}
