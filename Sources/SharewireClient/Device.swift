#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A device as the caller sees it: one it owns, or one shared with it.
public struct Device: Sendable, Hashable, Codable, Identifiable, CustomStringConvertible {
    /// `dev_N`.
    public var id: String
    /// Its name.
    public var name: String
    /// What listens on it, in the order they were added: every service for its
    /// owner and an `ALL` recipient, only the granted ones for a `PORTS`
    /// recipient, none for a scripts-only recipient.
    public var services: [Service]
    /// When it was registered.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// Whether the caller owns it or received it.
    public var role: Role
    /// For a device shared with the caller: when that access ends, or `nil`
    /// for no time limit. Always `nil` for an owned device.
    public var expiresAt: Date?
    /// For a device shared with the caller: a pending invitation, to accept
    /// (``SharewireClient/acceptInvitations(devices:validateOnly:options:)``)
    /// before this instant; `nil` once accepted. No service is shown until then.
    public var acceptBy: Date?

    /// A device value.
    public init(
        id: String, name: String, services: [Service], createdAt: Date, updatedAt: Date, role: Role,
        expiresAt: Date? = nil, acceptBy: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.services = services
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.role = role
        self.expiresAt = expiresAt
        self.acceptBy = acceptBy
    }

    /// The caller's relation to a device.
    public enum Role: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The caller owns it; `shareCount` people have access.
        case owned(shareCount: Int)
        /// Shared with the caller by `by` (the owner's email), with this access.
        case shared(by: String, access: ShareAccess, scripting: Bool)

        /// `owned, 2 shares` or `shared by alice@example.com: ports 22, scripting`.
        public var description: String {
            switch self {
            case let .owned(count): "owned, \(count) share\(count == 1 ? "" : "s")"
            case let .shared(by, access, scripting): "shared by \(by): \(access)\(scripting ? ", scripting" : "")"
            }
        }
    }

    /// True when the caller owns it.
    public var isOwned: Bool {
        if case .owned = role { return true }
        return false
    }

    /// How many people it is shared with, when the caller owns it.
    public var shareCount: Int? {
        if case let .owned(count) = role { return count }
        return nil
    }

    /// The owner's email, when it was shared with the caller.
    public var sharedBy: String? {
        if case let .shared(by, _, _) = role { return by }
        return nil
    }

    /// The service listening on `port`, if any.
    public func service(onPort port: UInt16) -> Service? { services.first { $0.port == port } }

    /// `dev_1 "pi" (owned, 2 shares) ssh/22 svc_1, http/80 svc_2`.
    public var description: String {
        var text = "\(id) \"\(name)\" (\(role))"
        if !services.isEmpty { text += " " + services.map(\.description).joined(separator: ", ") }
        return text
    }
}

/// A service of a device: something listening on a port.
public struct Service: Sendable, Hashable, Codable, Identifiable, CustomStringConvertible {
    /// `svc_N`, unique across all devices.
    public var id: String
    /// Its name, e.g. `ssh`.
    public var name: String
    /// 1–65535.
    public var port: UInt16
    /// Free text such as `tcp`, `ssh`, `http`.
    public var `protocol`: String

    /// A service value.
    public init(id: String, name: String, port: UInt16, protocol: String) {
        self.id = id
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }

    /// `ssh:22/ssh svc_1`.
    public var description: String { "\(name):\(port)/\(`protocol`) \(id)" }
}

/// A service to add to a device; the server allocates its id.
public struct NewService: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Required; at most 128 bytes.
    public var name: String
    /// 1–65535.
    public var port: UInt16
    /// Required; non-empty, no spaces, at most 32 bytes. Default `tcp`.
    public var `protocol`: String

    /// A service to add.
    public init(name: String, port: UInt16, protocol: String = "tcp") {
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }

    /// `ssh:22/tcp`.
    public var description: String { "\(name):\(port)/\(`protocol`)" }
}
