#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a share lets its recipient reach (scripting is granted separately).
///
/// - ``all``: every service of the device, including services added later.
/// - ``services(_:)``: only these service ids (`svc_N`). An empty list with
///   scripting gives scripts-only access.
///
/// Encodes as `{"mode":"all"}` or `{"mode":"services","serviceIds":["svc_1"]}`.
public enum ShareAccess: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Every service of the device, now and later (legacy "whole device").
    case all
    /// Only these services, by id.
    case services([String])

    /// No service: with `scripting: true`, scripts only.
    public static let scriptsOnly = ShareAccess.services([])

    /// `all` or `services svc_1, svc_2`.
    public var description: String {
        switch self {
        case .all: "all"
        case let .services(ids): ids.isEmpty ? "no services" : "services " + ids.joined(separator: ", ")
        }
    }

    private enum CodingKeys: String, CodingKey { case mode, serviceIds }

    /// Decodes `{"mode": …}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .mode) {
        case "all": self = .all
        case "services": self = .services(try container.decodeIfPresent([String].self, forKey: .serviceIds) ?? [])
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .mode, in: container,
                                                   debugDescription: "unknown access mode \(other)")
        }
    }

    /// Encodes `{"mode": …}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .all:
            try container.encode("all", forKey: .mode)
        case let .services(ids):
            try container.encode("services", forKey: .mode)
            try container.encode(ids, forKey: .serviceIds)
        }
    }
}

/// One share of a device, as its owner sees it.
public struct Share: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The device shared.
    public var deviceID: String
    /// The recipient's account, `acc_N`.
    public var userID: String
    /// The recipient's email.
    public var email: String
    /// What the recipient may reach.
    public var access: ShareAccess
    /// Whether the recipient may run scripts.
    public var scripting: Bool
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// A share value.
    public init(deviceID: String, userID: String, email: String, access: ShareAccess, scripting: Bool,
                createdAt: Date, updatedAt: Date) {
        self.deviceID = deviceID
        self.userID = userID
        self.email = email
        self.access = access
        self.scripting = scripting
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// `dev_1 → bob@example.com (acc_2): services svc_1, scripting`.
    public var description: String {
        "\(deviceID) → \(email) (\(userID)): \(access)\(scripting ? ", scripting" : "")"
    }
}

/// A person shared on devices (``SharewireClient/commonSharees(devices:options:)``).
public struct Sharee: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `acc_N`.
    public var userID: String
    /// Their email.
    public var email: String

    /// A sharee value.
    public init(userID: String, email: String) {
        self.userID = userID
        self.email = email
    }

    /// `bob@example.com (acc_2)`.
    public var description: String { "\(email) (\(userID))" }
}

/// The result of ``SharewireClient/share(devices:with:access:scripting:notify:options:)``.
public struct ShareResult: Sendable, Hashable, Codable, CustomStringConvertible {
    /// (device, person) pairs that got a new share.
    public var created: Int
    /// Pairs whose existing access was replaced.
    public var updated: Int
    /// The revision of the write.
    public var revision: Revision

    /// A result value.
    public init(created: Int, updated: Int, revision: Revision) {
        self.created = created
        self.updated = updated
        self.revision = revision
    }

    /// `2 created, 1 updated at r7`.
    public var description: String { "\(created) created, \(updated) updated at \(revision)" }
}

/// The result of a write that reports whether it changed anything or how
/// many things it changed: update share, remove shares, leave, transfer.
public struct WriteResult: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How many things changed (shares updated, removed or left, devices transferred).
    public var count: Int
    /// The revision of the write.
    public var revision: Revision

    /// A result value.
    public init(count: Int, revision: Revision) {
        self.count = count
        self.revision = revision
    }

    /// True when something changed.
    public var changed: Bool { count > 0 }

    /// `2 changed at r8`.
    public var description: String { "\(count) changed at \(revision)" }
}
