import CSharewireProto

/// Request of `SharingService/UpdateShare` (`sharewire.v1.UpdateShareRequest`).
///
/// Replaces one person's access to one device (SHARE_NOT_FOUND if the person
/// has no share on it).
public struct UpdateShareRequest: ProtoMessage, Hashable {
    /// A device the caller owns.
    public var deviceID: String
    /// The recipient's email.
    public var email: String
    /// The recipient's new access, replacing the old.
    public var access: Access
    /// Whether the recipient is notified.
    public var notify: Bool

    /// Creates a message; every field defaults to its proto3 default.
    public init(deviceID: String = "", email: String = "", access: Access = Access(), notify: Bool = false) {
        self.deviceID = deviceID
        self.email = email
        self.access = access
        self.notify = notify
    }
}

extension UpdateShareRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__UpdateShareRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__update_share_request__init)

    var cArenaHint: Int {
        CEncodingArena.hint(deviceID)
            + CEncodingArena.hint(email)
            + CEncodingArena.hint(message: access)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.email = arena.cString(email, field: "email")
        c.pointee.access = arena.nested(access, field: "access")
        c.pointee.notify = notify ? 1 : 0
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            email: try CDecoding.string(c.pointee.email, field: "email"),
            access: try CDecoding.message(c.pointee.access, of: Access.self, field: "access") ?? Access(),
            notify: c.pointee.notify != 0)
    }
}
