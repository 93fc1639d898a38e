/// The language notifications are rendered in.
public enum Language: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// English.
    case en
    /// Japanese.
    case ja

    /// `en` or `ja`.
    public var description: String { rawValue }
}
