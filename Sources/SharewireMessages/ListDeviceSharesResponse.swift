import CSharewireProto

/// Response of `SharingService/ListDeviceShares` (`sharewire.v1.ListDeviceSharesResponse`).
public struct ListDeviceSharesResponse: ProtoMessage, Hashable {
    /// In recipient id order.
    public var shares: [ShareInfo]
    /// Pass as `pageToken` to get the next page; empty on the last page.
    public var nextPageToken: String
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(shares: [ShareInfo] = [], nextPageToken: String = "", revision: UInt64 = 0) {
        self.shares = shares
        self.nextPageToken = nextPageToken
        self.revision = revision
    }
}

extension ListDeviceSharesResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ListDeviceSharesResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__list_device_shares_response__init)

    var cArenaHint: Int { CEncodingArena.hint(repeated: shares) + CEncodingArena.hint(nextPageToken) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        (c.pointee.n_shares, c.pointee.shares) = arena.repeated(shares, field: "shares")
        c.pointee.next_page_token = arena.cString(nextPageToken, field: "next_page_token")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            shares: try CDecoding.repeated(c.pointee.n_shares, c.pointee.shares, of: ShareInfo.self, field: "shares"),
            nextPageToken: try CDecoding.string(c.pointee.next_page_token, field: "next_page_token"),
            revision: c.pointee.revision)
    }
}
