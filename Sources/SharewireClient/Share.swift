#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a share lets its recipient reach (scripting is granted separately).
///
/// ```swift
/// .all                        // every service, including services added later
/// .ports([22, 80])            // the services listening on these ports, on each device
/// .services(["svc_1"])        // these services, by id
/// .scriptsOnly                // no service: with scripting: true, scripts only
/// ```
///
/// In a request, each port resolves on each device of the call to the
/// services listening on it, so one bulk share can grant port 22 on many
/// devices (a device without a service on that port fails the call with
/// `SERVICE_NOT_ON_DEVICE`). The grant is stored as those services: a service
/// added later on the same port is not included. In a response a port
/// grant has both: the granted ``serviceIDs`` and their ``ports``.
///
/// Encodes as `{"mode":"ports","ports":[22],"serviceIds":["svc_1"]}`.
public struct ShareAccess: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Everything, or a chosen set.
    public enum Mode: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// Every service of the device, now and later (legacy "whole device").
        case all
        /// Only the chosen services (by id and/or port).
        case ports

        /// `all` or `ports`.
        public var description: String { rawValue }
    }

    /// All or a chosen set.
    public var mode: Mode
    /// The chosen services, by id (`svc_N`); empty for ``Mode/all``.
    public var serviceIDs: [String]
    /// The chosen ports; empty for ``Mode/all``.
    public var ports: [UInt16]

    /// An access value; prefer ``all``, ``ports(_:)``, ``services(_:)``.
    public init(mode: Mode, serviceIDs: [String] = [], ports: [UInt16] = []) {
        self.mode = mode
        self.serviceIDs = serviceIDs
        self.ports = ports
    }

    /// Every service of the device, including services added later.
    public static let all = ShareAccess(mode: .all)

    /// The services listening on these ports, resolved on each device.
    public static func ports(_ ports: [UInt16]) -> ShareAccess { ShareAccess(mode: .ports, ports: ports) }

    /// These services, by id (ids are global, so in practice one device).
    public static func services(_ ids: [String]) -> ShareAccess { ShareAccess(mode: .ports, serviceIDs: ids) }

    /// No service: with `scripting: true`, scripts only.
    public static let scriptsOnly = ShareAccess(mode: .ports)

    /// True for ``all``.
    public var isAll: Bool { mode == .all }

    /// `all`, `ports 22, 80 (svc_1, svc_2)`, `services svc_1` or `no services`.
    public var description: String {
        switch (mode, ports.isEmpty, serviceIDs.isEmpty) {
        case (.all, _, _): return "all"
        case (.ports, true, true): return "no services"
        case (.ports, true, false): return "services " + serviceIDs.joined(separator: ", ")
        case (.ports, false, true): return "ports " + ports.map(String.init).joined(separator: ", ")
        case (.ports, false, false):
            return "ports " + ports.map(String.init).joined(separator: ", ") + " ("
                + serviceIDs.joined(separator: ", ") + ")"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case mode
        case serviceIDs = "serviceIds"
        case ports
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
    /// When the access ends (Check says no from this instant), or `nil` for no time limit.
    public var expiresAt: Date?
    /// A pending invitation (`requireAcceptance`): it gives no access until the
    /// recipient accepts it, and lapses at this instant; `nil` once accepted.
    public var acceptBy: Date?

    /// A share value.
    public init(
        deviceID: String, userID: String, email: String, access: ShareAccess, scripting: Bool,
        createdAt: Date, updatedAt: Date, expiresAt: Date? = nil, acceptBy: Date? = nil
    ) {
        self.deviceID = deviceID
        self.userID = userID
        self.email = email
        self.access = access
        self.scripting = scripting
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.acceptBy = acceptBy
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

/// What ``SharewireClient/updateShare(device:email:access:scripting:expiry:notify:validateOnly:options:)``
/// does to a share's time limit.
public enum ShareExpiryUpdate: Sendable, Hashable {
    /// Leaves it as it is (the default).
    case keep
    /// Removes it: the share no longer ends by itself.
    case clear
    /// Sets or moves (earlier or later) the instant access ends.
    case at(Date)
}
