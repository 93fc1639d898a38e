/// A point in the server's history. Every write returns the revision that
/// includes it; a read may ask for "at least revision R" (docs/CLIENT.md
/// §Consistency). Revisions only grow; 0 means "none".
///
/// Encodes as a plain number and prints as `r42`.
public struct Revision: RawRepresentable, Sendable, Hashable, Comparable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The revision number.
    public var rawValue: UInt64

    /// Wraps a revision number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// Wraps a revision number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// A revision literal, e.g. `let r: Revision = 42`.
    public init(integerLiteral value: UInt64) { self.rawValue = value }

    /// No revision: reads with it wait for nothing.
    public static let zero = Revision(0)

    /// Orders by number.
    public static func < (lhs: Revision, rhs: Revision) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Decodes a plain number.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UInt64.self)
    }

    /// Encodes a plain number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// `r42`.
    public var description: String { "r\(rawValue)" }
}
