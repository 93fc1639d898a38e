import CSharewireProto

/// Response of `DeviceService/List` (`sharewire.v1.ListDevicesResponse`).
public struct ListDevicesResponse: ProtoMessage, Hashable {
    /// In id order; owned and shared devices together (see DeviceInfo.role).
    public var devices: [DeviceInfo]
    /// Pass as `pageToken` to get the next page; empty on the last page.
    public var nextPageToken: String
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(devices: [DeviceInfo] = [], nextPageToken: String = "", revision: UInt64 = 0) {
        self.devices = devices
        self.nextPageToken = nextPageToken
        self.revision = revision
    }
}

extension ListDevicesResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ListDevicesResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__list_devices_response__init)

    var cArenaHint: Int { CEncodingArena.hint(repeated: devices) + CEncodingArena.hint(nextPageToken) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_devices, c.pointee.devices) = arena.repeated(devices, field: "devices")
        c.pointee.next_page_token = arena.cString(nextPageToken, field: "next_page_token")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            devices: try CDecoding.repeated(c.pointee.n_devices, c.pointee.devices, of: DeviceInfo.self, field: "devices"),
            nextPageToken: try CDecoding.string(c.pointee.next_page_token, field: "next_page_token"),
            revision: c.pointee.revision)
    }
}
