/// Compact typed identifiers.
///
/// Every id is a `UInt64` inside, allocated from a per-kind counter by the
/// writer. That keeps `Check` cheap: the `(device, user)` key of the share
/// index hashes two integers, never a string. Outside the process an id is a
/// string: a short kind prefix and the number in decimal, e.g. `dev_42`.
/// Parsing walks the UTF-8 bytes and allocates nothing.
public protocol SharingID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The kind prefix of the external form, including the underscore.
    static var prefix: StaticString { get }
    /// The number inside.
    var raw: UInt64 { get }
    init(raw: UInt64)
}

extension SharingID {
    public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }

    /// The external string form, e.g. `dev_42`.
    public var description: String { "\(Self.prefix)\(raw)" }

    /// The external string form, e.g. `dev_42`.
    public var external: String { description }

    /// Parses the external form; `nil` when the text is not an id of this kind.
    ///
    /// Accepts at most ``Limits/maxIDLength`` bytes. Leading zeros are refused so
    /// that every id has exactly one spelling.
    @inlinable
    public init?(external text: some StringProtocol) {
        var value: UInt64 = 0
        var index = 0
        var digits = 0
        var firstDigit: UInt8 = 0
        let prefix = Self.prefix
        let prefixCount = prefix.utf8CodeUnitCount
        var ok = true
        var overflow = false
        for byte in text.utf8 {
            if index >= Limits.maxIDLength {
                ok = false
                break
            }
            if index < prefixCount {
                if byte != prefix.utf8Start[index] {
                    ok = false
                    break
                }
            } else {
                guard byte >= 0x30, byte <= 0x39 else {
                    ok = false
                    break
                }
                if digits == 0 { firstDigit = byte }
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(byte - 0x30))
                if o1 || o2 {
                    overflow = true
                    break
                }
                value = a
                digits += 1
            }
            index += 1
        }
        guard ok, !overflow, digits > 0, !(digits > 1 && firstDigit == 0x30), value != 0 else { return nil }
        self.init(raw: value)
    }
}

/// An account (a user of the service).
public struct AccountID: SharingID, Codable {
    public static var prefix: StaticString { "acc_" }
    public let raw: UInt64
    @inlinable public init(raw: UInt64) { self.raw = raw }
}

/// A contact in an owner's address book.
public struct ContactID: SharingID, Codable {
    public static var prefix: StaticString { "con_" }
    public let raw: UInt64
    @inlinable public init(raw: UInt64) { self.raw = raw }
}

/// A device.
public struct DeviceID: SharingID, Codable {
    public static var prefix: StaticString { "dev_" }
    public let raw: UInt64
    @inlinable public init(raw: UInt64) { self.raw = raw }
}

/// A service on a device. Unique across all devices.
public struct ServiceID: SharingID, Codable {
    public static var prefix: StaticString { "svc_" }
    public let raw: UInt64
    @inlinable public init(raw: UInt64) { self.raw = raw }
}

/// An audit event.
public struct EventID: SharingID, Codable {
    public static var prefix: StaticString { "evt_" }
    public let raw: UInt64
    @inlinable public init(raw: UInt64) { self.raw = raw }
}

/// A named API key of an account.
public struct APIKeyID: SharingID, Codable {
    public static var prefix: StaticString { "key_" }
    public let raw: UInt64
    @inlinable public init(raw: UInt64) { self.raw = raw }
}

/// The key of a share and of the check index: one device, one recipient.
public struct ShareKey: Hashable, Sendable, Codable {
    public let device: DeviceID
    public let user: AccountID
    @inlinable public init(device: DeviceID, user: AccountID) {
        self.device = device
        self.user = user
    }
}

/// The counters the next ids come from. Persisted with every commit so that an
/// id is never reused, even after the row holding the highest one is deleted.
public struct IDCounters: Hashable, Sendable, Codable {
    public var account: UInt64 = 0
    public var contact: UInt64 = 0
    public var device: UInt64 = 0
    public var service: UInt64 = 0
    public var event: UInt64 = 0
    public var notification: UInt64 = 0
    public var apiKey: UInt64 = 0
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case account, contact, device, service, event, notification, apiKey
    }

    // Change-log entries written before named API keys have no `apiKey`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        account = try c.decode(UInt64.self, forKey: .account)
        contact = try c.decode(UInt64.self, forKey: .contact)
        device = try c.decode(UInt64.self, forKey: .device)
        service = try c.decode(UInt64.self, forKey: .service)
        event = try c.decode(UInt64.self, forKey: .event)
        notification = try c.decode(UInt64.self, forKey: .notification)
        apiKey = try c.decodeIfPresent(UInt64.self, forKey: .apiKey) ?? 0
    }
}
