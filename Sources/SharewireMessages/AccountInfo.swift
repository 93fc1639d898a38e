import CSharewireProto

/// An account as its owner sees it (`sharewire.v1.AccountInfo`).
public struct AccountInfo: ProtoMessage, Hashable {
    /// "acc_N".
    public var id: String
    /// Lower-cased; unique across accounts.
    public var email: String
    /// EN or JA, never UNSPECIFIED.
    public var language: LanguageCode
    /// When it was created.
    public var createdAtMs: Int64

    /// Creates a message; every field defaults to its proto3 default.
    public init(id: String = "", email: String = "", language: LanguageCode = .unspecified, createdAtMs: Int64 = 0) {
        self.id = id
        self.email = email
        self.language = language
        self.createdAtMs = createdAtMs
    }
}

extension AccountInfo: CBridgedMessage {
    typealias CMessage = Sharewire__V1__AccountInfo
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__account_info__init)

    var cArenaHint: Int { CEncodingArena.hint(id) + CEncodingArena.hint(email) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.id = arena.cString(id, field: "id")
        c.pointee.email = arena.cString(email, field: "email")
        c.pointee.language = .init(CEnum.wireValue(language))
        c.pointee.created_at_ms = createdAtMs
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            id: try CDecoding.string(c.pointee.id, field: "id"),
            email: try CDecoding.string(c.pointee.email, field: "email"),
            language: CEnum.open(c.pointee.language.rawValue),
            createdAtMs: c.pointee.created_at_ms)
    }
}
