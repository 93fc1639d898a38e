internal import SharewireMessages

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// Wire messages -> the client's value types, and back. Internal: callers
// never see a message type.

extension Date {
    /// Milliseconds since the epoch, as the wire carries times.
    init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `nil` for 0 ("not set").
    static func optional(milliseconds: Int64) -> Date? {
        milliseconds == 0 ? nil : Date(milliseconds: milliseconds)
    }

    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}

extension String {
    /// `nil` for "".
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension Language {
    init(_ code: LanguageCode) {
        self = code == .ja ? .ja : .en
    }

    var wire: LanguageCode { self == .ja ? .ja : .en }
}

extension Account {
    init(_ info: AccountInfo) {
        self.init(
            id: info.id, email: info.email, language: Language(info.language),
            createdAt: Date(milliseconds: info.createdAtMs))
    }
}

extension APIKey {
    init(_ info: ApiKeyInfo) {
        self.init(
            id: info.id, name: info.name, createdAt: Date(milliseconds: info.createdAtMs),
            lastUsedAt: Date.optional(milliseconds: info.lastUsedAtMs))
    }
}

extension Contact {
    init(_ info: ContactInfo) {
        self.init(
            id: info.id, email: info.email, firstName: info.firstName.nonEmpty, lastName: info.lastName.nonEmpty,
            company: info.company.nonEmpty, language: Language(info.language), hasAccount: info.hasAccount,
            invitedAt: .optional(milliseconds: info.invitedAtMs), createdAt: Date(milliseconds: info.createdAtMs),
            updatedAt: Date(milliseconds: info.updatedAtMs))
    }
}

extension Service {
    init(_ info: ServiceInfo) {
        self.init(id: info.id, name: info.name, port: UInt16(clamping: info.port), protocol: info.protocol)
    }
}

extension NewService {
    var wire: SharewireMessages.NewService {
        SharewireMessages.NewService(name: name, port: UInt32(port), protocol: self.protocol)
    }
}

extension ShareAccess {
    /// The access and scripting of a wire `Access`.
    static func from(_ access: Access) -> (ShareAccess, scripting: Bool) {
        let mode: Mode = access.mode == .all ? .all : .ports
        return (
            ShareAccess(mode: mode, serviceIDs: access.serviceIDs, ports: access.ports.map { UInt16(clamping: $0) }),
            access.scripting
        )
    }

    func wire(scripting: Bool) -> Access {
        Access(
            mode: mode == .all ? .all : .ports, serviceIDs: serviceIDs, scripting: scripting,
            ports: ports.map(UInt32.init))
    }
}

extension Device {
    init(_ info: DeviceInfo) {
        let role: Role
        var expiresAt: Date?
        var acceptBy: Date?
        switch info.role {
        case let .shared(shared):
            let (access, scripting) = ShareAccess.from(shared.access)
            role = .shared(by: shared.sharedBy, access: access, scripting: scripting)
            expiresAt = Date.optional(milliseconds: shared.expiresAtMs)
            acceptBy = Date.optional(milliseconds: shared.acceptByMs)
        case let .owned(owned):
            role = .owned(shareCount: Int(owned.shareCount))
        case nil:
            role = .owned(shareCount: 0)
        }
        self.init(
            id: info.id, name: info.name, services: info.services.map(Service.init),
            createdAt: Date(milliseconds: info.createdAtMs), updatedAt: Date(milliseconds: info.updatedAtMs),
            role: role, expiresAt: expiresAt, acceptBy: acceptBy)
    }
}

extension Share {
    init(_ info: ShareInfo) {
        let (access, scripting) = ShareAccess.from(info.access)
        self.init(
            deviceID: info.deviceID, userID: info.userID, email: info.email, access: access,
            scripting: scripting, createdAt: Date(milliseconds: info.createdAtMs),
            updatedAt: Date(milliseconds: info.updatedAtMs),
            expiresAt: Date.optional(milliseconds: info.expiresAtMs),
            acceptBy: Date.optional(milliseconds: info.acceptByMs))
    }
}

extension Sharee {
    init(_ wire: SharewireMessages.Sharee) {
        self.init(userID: wire.userID, email: wire.email)
    }
}

extension AuditEvent.Kind {
    init(_ kind: AuditEventKind) {
        self =
            switch kind {
            case .accountCreated: .accountCreated
            case .contactCreated: .contactCreated
            case .contactUpdated: .contactUpdated
            case .contactDeleted: .contactDeleted
            case .contactInvited: .contactInvited
            case .deviceRegistered: .deviceRegistered
            case .deviceRenamed: .deviceRenamed
            case .serviceAdded: .serviceAdded
            case .serviceRemoved: .serviceRemoved
            case .shareCreated: .shareCreated
            case .shareUpdated: .shareUpdated
            case .shareRemoved: .shareRemoved
            case .shareLeft: .shareLeft
            case .deviceTransferred: .deviceTransferred
            case .shareExpired: .shareExpired
            case .apiKeyCreated: .apiKeyCreated
            case .apiKeyRevoked: .apiKeyRevoked
            case .deviceDeleted: .deviceDeleted
            case .accountDeleted: .accountDeleted
            case .shareAccepted: .shareAccepted
            case .shareDeclined: .shareDeclined
            case .unspecified, .unrecognized: .unknown
            }
    }

    /// The wire kind, found through ``init(_:)`` so the mapping is written
    /// once; `.unspecified` (any) for `.unknown`. Not on a hot path.
    var wire: AuditEventKind {
        AuditEventKind.allCases.first { $0 != .unspecified && Self($0) == self } ?? .unspecified
    }
}

extension AuditEvent {
    init(_ event: SharewireMessages.AuditEvent) {
        self.init(
            id: event.id, revision: Revision(event.revision), at: Date(milliseconds: event.atMs),
            actorID: event.actorID, kind: Kind(event.kind), deviceIDs: event.deviceIDs, userIDs: event.userIDs,
            detail: event.detail)
    }
}

extension OutboxNotification.Kind {
    init(_ kind: NotificationKind) {
        self =
            switch kind {
            case .invite: .invite
            case .shareCreated: .shareCreated
            case .shareUpdated: .shareUpdated
            case .shareRemoved: .shareRemoved
            case .shareLeft: .shareLeft
            case .transferSent: .transferSent
            case .transferReceived: .transferReceived
            case .shareExpired: .shareExpired
            case .shareExpiredOwner: .shareExpiredOwner
            case .shareInvitation: .shareInvitation
            case .shareAccepted: .shareAccepted
            case .shareDeclined: .shareDeclined
            case .invitationExpired: .invitationExpired
            case .deviceDeleted: .deviceDeleted
            case .accountClosed: .accountClosed
            case .unspecified, .unrecognized: .unknown
            }
    }
}

extension OutboxNotification {
    init(_ entry: NotificationEntry) {
        self.init(
            sequence: entry.sequence, revision: Revision(entry.revision),
            createdAt: Date(milliseconds: entry.createdAtMs), recipientEmail: entry.recipientEmail,
            recipientID: entry.recipientID.nonEmpty, language: Language(entry.language),
            kind: Kind(entry.template), subject: entry.subject, body: entry.body)
    }
}
