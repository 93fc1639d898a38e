import CSharewireProto

/// Request of `EventService/ListEvents` (`sharewire.v1.ListEventsRequest`).
///
/// Lists the events that concern the caller (it is among their user_ids),
/// in id order. Every filter is optional.
public struct ListEventsRequest: ProtoMessage, Hashable {
    /// Only events about this device; empty = any.
    public var deviceID: String
    /// Only events that also concern this account; empty = any.
    public var userID: String
    /// UNSPECIFIED = any kind.
    public var kind: AuditEventKind
    /// Only events at or after this time; 0 = no lower bound.
    public var sinceMs: Int64
    /// Only events before this time (exclusive); 0 = no upper bound.
    public var untilMs: Int64
    /// 0 = default (50); at most 500.
    public var pageSize: UInt32
    /// Empty for the first page; otherwise a previous response's `nextPageToken`, unchanged.
    public var pageToken: String
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        deviceID: String = "",
        userID: String = "",
        kind: AuditEventKind = .unspecified,
        sinceMs: Int64 = 0,
        untilMs: Int64 = 0,
        pageSize: UInt32 = 0,
        pageToken: String = "",
        minRevision: UInt64 = 0
    ) {
        self.deviceID = deviceID
        self.userID = userID
        self.kind = kind
        self.sinceMs = sinceMs
        self.untilMs = untilMs
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.minRevision = minRevision
    }
}

extension ListEventsRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ListEventsRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__list_events_request__init)

    var cArenaHint: Int {
        CEncodingArena.hint(deviceID)
            + CEncodingArena.hint(userID)
            + CEncodingArena.hint(pageToken)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.user_id = arena.cString(userID, field: "user_id")
        c.pointee.kind = .init(CEnum.wireValue(kind))
        c.pointee.since_ms = sinceMs
        c.pointee.until_ms = untilMs
        c.pointee.page_size = pageSize
        c.pointee.page_token = arena.cString(pageToken, field: "page_token")
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            userID: try CDecoding.string(c.pointee.user_id, field: "user_id"),
            kind: CEnum.open(c.pointee.kind.rawValue),
            sinceMs: c.pointee.since_ms,
            untilMs: c.pointee.until_ms,
            pageSize: c.pointee.page_size,
            pageToken: try CDecoding.string(c.pointee.page_token, field: "page_token"),
            minRevision: c.pointee.min_revision)
    }
}
