import CSharewireProto

/// The caller's role for a device it owns (`sharewire.v1.OwnedDevice`).
public struct OwnedDevice: ProtoMessage, Hashable {
    /// How many people the device is shared with.
    public var shareCount: UInt32

    /// Creates a message; every field defaults to its proto3 default.
    public init(shareCount: UInt32 = 0) {
        self.shareCount = shareCount
    }
}

extension OwnedDevice: CBridgedMessage {
    typealias CMessage = Sharewire__V1__OwnedDevice
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__owned_device__init)

    var cArenaHint: Int { 0 }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.share_count = shareCount
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            shareCount: c.pointee.share_count)
    }
}
