/// The language notifications are rendered in.
public enum Language: String, Sendable, Hashable, CaseIterable, Codable {
    case en
    case ja

    /// Parses `en` or `ja` (case-insensitive); `nil` otherwise.
    public init?(code: some StringProtocol) {
        switch code.lowercased() {
        case "en": self = .en
        case "ja": self = .ja
        default: return nil
        }
    }
}
