import CSharewireProto

/// Request of `CheckService/CheckScripting` (`sharewire.v1.CheckScriptingRequest`).
public struct CheckScriptingRequest: ProtoMessage, Hashable {
    /// The account asking to run scripts ("acc_N").
    public var userID: String
    /// The device ("dev_N").
    public var deviceID: String
    /// Answer from a state that includes at least this revision; 0 means any
    /// (see common.proto, "Revisions").
    public var minRevision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(userID: String = "", deviceID: String = "", minRevision: UInt64 = 0) {
        self.userID = userID
        self.deviceID = deviceID
        self.minRevision = minRevision
    }
}

extension CheckScriptingRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CheckScriptingRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__check_scripting_request__init)

    var cArenaHint: Int { CEncodingArena.hint(userID) + CEncodingArena.hint(deviceID) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.user_id = arena.cString(userID, field: "user_id")
        c.pointee.device_id = arena.cString(deviceID, field: "device_id")
        c.pointee.min_revision = minRevision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            userID: try CDecoding.string(c.pointee.user_id, field: "user_id"),
            deviceID: try CDecoding.string(c.pointee.device_id, field: "device_id"),
            minRevision: c.pointee.min_revision)
    }
}
