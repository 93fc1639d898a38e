import CSharewireProto

/// A person shared on devices, as CommonSharees lists them (`sharewire.v1.Sharee`).
public struct Sharee: ProtoMessage, Hashable {
    /// "acc_N".
    public var userID: String
    /// The person's email.
    public var email: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(userID: String = "", email: String = "") {
        self.userID = userID
        self.email = email
    }
}

extension Sharee: CBridgedMessage {
    typealias CMessage = Sharewire__V1__Sharee
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__sharee__init)

    var cArenaHint: Int { CEncodingArena.hint(userID) + CEncodingArena.hint(email) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.user_id = arena.cString(userID, field: "user_id")
        c.pointee.email = arena.cString(email, field: "email")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            userID: try CDecoding.string(c.pointee.user_id, field: "user_id"),
            email: try CDecoding.string(c.pointee.email, field: "email"))
    }
}
