import CSharewireProto

/// Request of `AccountService/CreateAccount` (`sharewire.v1.CreateAccountRequest`).
///
/// Service key only.
public struct CreateAccountRequest: ProtoMessage, Hashable {
    /// Required; at most 254 bytes. ACCOUNT_EXISTS if taken (case-insensitive).
    public var email: String
    /// UNSPECIFIED means EN.
    public var language: LanguageCode

    /// Creates a message; every field defaults to its proto3 default.
    public init(email: String = "", language: LanguageCode = .unspecified) {
        self.email = email
        self.language = language
    }
}

extension CreateAccountRequest: CBridgedMessage {
    typealias CMessage = Sharewire__V1__CreateAccountRequest
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__create_account_request__init)

    var cArenaHint: Int { CEncodingArena.hint(email) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.email = arena.cString(email, field: "email")
        c.pointee.language = .init(CEnum.wireValue(language))
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            email: try CDecoding.string(c.pointee.email, field: "email"),
            language: CEnum.open(c.pointee.language.rawValue))
    }
}
