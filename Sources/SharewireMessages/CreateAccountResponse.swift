import CSharewireProto

/// Response of `AccountService/CreateAccount` (`sharewire.v1.CreateAccountResponse`).
public struct CreateAccountResponse: ProtoMessage, Hashable {
    /// The new account.
    public var account: AccountInfo
    /// The account's API key ("sw_" + 64 hex digits). Returned once, here:
    /// the server keeps only its SHA-256.
    public var apiKey: String
    /// The revision that includes this write; pass it as `minRevision` to read it.
    public var revision: UInt64

    /// Creates a message; every field defaults to its proto3 default.
    public init(account: AccountInfo = AccountInfo(), apiKey: String = "", revision: UInt64 = 0) {
        self.account = account
        self.apiKey = apiKey
        self.revision = revision
    }
}

extension CreateAccountResponse: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CreateAccountResponse
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__create_account_response__init)

    var cArenaHint: Int { CEncodingArena.hint(message: account) + CEncodingArena.hint(apiKey) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.account = arena.nested(account, field: "account")
        c.pointee.api_key = arena.cString(apiKey, field: "api_key")
        c.pointee.revision = revision
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            account: try CDecoding.message(c.pointee.account, of: AccountInfo.self, field: "account") ?? AccountInfo(),
            apiKey: try CDecoding.string(c.pointee.api_key, field: "api_key"),
            revision: c.pointee.revision)
    }
}
