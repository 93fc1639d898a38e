import CSharewireProto

/// One share of a device, as its owner sees it (`sharewire.v1.ShareInfo`).
public struct ShareInfo: ProtoMessage, Hashable {
    /// The device shared.
    public var deviceID: String
    /// The recipient's account ("acc_N") and email.
    public var userID: String
    /// The recipient's email.
    public var email: String
    /// What the recipient may reach.
    public var access: Access
    /// When it was created.
    public var createdAtMs: Int64
    /// When it last changed.
    public var updatedAtMs: Int64

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        deviceID: String = "",
        userID: String = "",
        email: String = "",
        access: Access = Access(),
        createdAtMs: Int64 = 0,
        updatedAtMs: Int64 = 0
    ) {
        self.deviceID = deviceID
        self.userID = userID
        self.email = email
        self.access = access
        self.createdAtMs = createdAtMs
        self.updatedAtMs = updatedAtMs
    }
}

extension ShareInfo: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ShareInfo
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__share_info__init)

    var cArenaHint: Int {
        CEncodingArena.hint(deviceID)
            + CEncodingArena.hint(userID)
            + CEncodingArena.hint(email)
            + CEncodingArena.hint(message: access)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.user_id = arena.cString(userID, field: "user_id")
        c.pointee.email = arena.cString(email, field: "email")
        c.pointee.access = arena.nested(access, field: "access")
        c.pointee.created_at_ms = createdAtMs
        c.pointee.updated_at_ms = updatedAtMs
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            userID: try CDecoding.string(c.pointee.user_id, field: "user_id"),
            email: try CDecoding.string(c.pointee.email, field: "email"),
            access: try CDecoding.message(c.pointee.access, of: Access.self, field: "access") ?? Access(),
            createdAtMs: c.pointee.created_at_ms,
            updatedAtMs: c.pointee.updated_at_ms)
    }
}
