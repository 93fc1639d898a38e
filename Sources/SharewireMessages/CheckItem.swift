import CSharewireProto

/// One question of a CheckBatch: Check when `port` is present, CheckScripting
/// when it is absent (`sharewire.v1.CheckItem`).
public struct CheckItem: ProtoMessage, Hashable {
    /// The account asking ("acc_N").
    public var userID: String
    /// The device ("dev_N").
    public var deviceID: String
    /// 1-65535; absent asks CheckScripting instead.
    public var port: UInt32?

    /// Creates a message; every field defaults to its proto3 default.
    public init(userID: String = "", deviceID: String = "", port: UInt32? = nil) {
        self.userID = userID
        self.deviceID = deviceID
        self.port = port
    }
}

extension CheckItem: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CheckItem
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__check_item__init)

    var cArenaHint: Int { CEncodingArena.hint(userID) + CEncodingArena.hint(deviceID) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.user_id = arena.cString(userID, field: "user_id")
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        if let port {
            c.pointee.target_case = SHAREWIRE__V1__CHECK_ITEM__TARGET_PORT
            c.pointee.port = port
        }
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            userID: try CDecoding.string(c.pointee.user_id, field: "user_id"),
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            port: c.pointee.target_case == SHAREWIRE__V1__CHECK_ITEM__TARGET_PORT
                ? c.pointee.port : nil)
    }
}
