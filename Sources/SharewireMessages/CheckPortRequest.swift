import CSharewireProto

/// Request of `CheckService/Check` (`sharewire.v1.CheckPortRequest`).
public struct CheckPortRequest: ProtoMessage, Hashable {
    /// The account asking for access ("acc_N").
    public var userID: String
    /// The device ("dev_N").
    public var deviceID: String
    /// 1-65535.
    public var port: UInt32
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(userID: String = "", deviceID: String = "", port: UInt32 = 0, minRevision: UInt64 = 0) {
        self.userID = userID
        self.deviceID = deviceID
        self.port = port
        self.minRevision = minRevision
    }
}

extension CheckPortRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CheckPortRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__check_port_request__init)

    var cArenaHint: Int { CEncodingArena.hint(userID) + CEncodingArena.hint(deviceID) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.user_id = arena.cString(userID, field: "user_id")
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.port = port
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            userID: try CDecoding.string(c.pointee.user_id, field: "user_id"),
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            port: c.pointee.port,
            minRevision: c.pointee.min_revision)
    }
}
