import CSharewireProto

/// Request of `DeviceService/List` (`sharewire.v1.ListDevicesRequest`).
///
/// The caller's devices and the devices shared with it.
public struct ListDevicesRequest: ProtoMessage, Hashable {
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

extension ListDevicesRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ListDevicesRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__list_devices_request__init)

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
