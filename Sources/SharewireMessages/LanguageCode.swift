/// The language notifications are rendered in (`sharewire.v1.LanguageCode`).
public enum LanguageCode: ProtoEnum {
    /// `LANGUAGE_CODE_UNSPECIFIED` (0). Not given: "en" where a value is created, "unchanged" in an update.
    case unspecified
    /// `LANGUAGE_CODE_EN` (1).
    case en
    /// `LANGUAGE_CODE_JA` (2).
    case ja
    /// A value this build does not know (sent by a peer with a newer schema).
    case unrecognized(Int32)

    /// The known cases, in wire-value order.
    public static let allCases: [LanguageCode] = [.unspecified, .en, .ja]

    /// The case for `rawValue`, or `.unrecognized(rawValue)`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .en
        case 2: self = .ja
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire value.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .en: 1
        case .ja: 2
        case .unrecognized(let value): value
        }
    }
}
