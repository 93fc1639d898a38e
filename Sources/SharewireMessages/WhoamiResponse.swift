import CSharewireProto

/// Response of `AccountService/Whoami` (`sharewire.v1.WhoamiResponse`).
public struct WhoamiResponse: ProtoMessage, Hashable {
    /// The authenticated caller's account.
    public var account: AccountInfo
    /// The revision the answer reflects (at least the request's `minRevision`).
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(account: AccountInfo = AccountInfo(), revision: UInt64 = 0) {
        self.account = account
        self.revision = revision
    }
}

extension WhoamiResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__WhoamiResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__whoami_response__init)

    var cArenaHint: Int { CEncodingArena.hint(message: account) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.account = arena.nested(account, field: "account")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            account: try CDecoding.message(c.pointee.account, of: AccountInfo.self, field: "account") ?? AccountInfo(),
            revision: c.pointee.revision)
    }
}
