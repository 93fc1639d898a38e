/// The name of an outbox consumer (a mailer, an analytics feed): each has its
/// own acknowledged cursor, so consumers resume independently.
///
/// 1–64 ASCII letters, digits, `.`, `_` or `-`. An absent name means
/// ``default``, the one cursor clients used before names existed.
public struct NotificationConsumer: Hashable, Sendable, CustomStringConvertible {
    /// The name used when a request gives none.
    public static let `default` = NotificationConsumer(trusted: "default")
    /// The longest name, in bytes.
    public static let maxLength = 64

    public let name: String
    public var description: String { name }

    /// Validates `name`; the empty string is ``default``. Nil when invalid.
    public init?(_ name: String) {
        if name.isEmpty {
            self = .default
            return
        }
        guard name.utf8.count <= Self.maxLength,
            name.utf8.allSatisfy({ Self.allowed($0) })
        else { return nil }
        self.name = name
    }

    /// A name read back from storage.
    public init(trusted name: String) { self.name = name }

    private static func allowed(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
