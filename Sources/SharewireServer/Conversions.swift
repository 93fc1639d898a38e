import SharewireMessages
import SharewireRPC
import SharingDomain

// Domain values <-> wire messages. Request parsing throws `SharingError`
// naming the field (`SharingError.Field`, whose raw value is the .proto
// spelling), so every validation error has the same shape.

enum Parse {
    /// One external id, or `INVALID_ID` naming `field`.
    static func id<ID: SharingID>(_ text: String, field: SharingError.Field) throws(SharingError) -> ID {
        try ID.parse(text, field: field)
    }

    /// Every id of a list, in order, or `INVALID_ID` naming the first bad one.
    static func ids<ID: SharingID>(_ texts: [String], field: SharingError.Field) throws(SharingError) -> [ID] {
        var out: [ID] = []
        out.reserveCapacity(texts.count)
        for text in texts { out.append(try ID.parse(text, field: field)) }
        return out
    }

    /// `nil` for UNSPECIFIED (the caller's default applies).
    static func language(_ code: LanguageCode, field: SharingError.Field = .language) throws(SharingError) -> Language?
    {
        switch code {
        case .unspecified: return nil
        case .en: return .en
        case .ja: return .ja
        case let .unrecognized(value):
            throw SharingError(
                .invalidLanguage, subject: String(value), field: field, message: "language must be EN or JA")
        }
    }

    /// A port 1–65535.
    static func port(_ value: UInt32, field: SharingError.Field) throws(SharingError) -> UInt16 {
        guard value >= 1, value <= 65535 else {
            throw SharingError(.invalidPort, subject: String(value), field: field, message: "port must be 1-65535")
        }
        return UInt16(value)
    }

    /// A new service; an invalid port names `portField` (`services.port`, `service.port`).
    static func service(_ s: NewService, portField: SharingError.Field) throws(SharingError) -> ServiceSpec {
        ServiceSpec(name: s.name, port: try port(s.port, field: portField), protocol: s.protocol)
    }

    /// A share's access. `ALL` must list no services or ports; `UNSPECIFIED` is invalid.
    static func access(_ a: Access) throws(SharingError) -> AccessRequest {
        switch a.mode {
        case .all:
            guard a.serviceIDs.isEmpty else {
                throw SharingError(.invalidArgument, field: .serviceIds, message: "service_ids must be empty for ALL")
            }
            guard a.ports.isEmpty else {
                throw SharingError(.invalidArgument, field: .ports, message: "ports must be empty for ALL")
            }
            return .all(scripting: a.scripting)
        case .ports:
            let ids: [ServiceID] = try ids(a.serviceIDs, field: .serviceIds)
            var ports = Set<UInt16>()
            for p in a.ports { ports.insert(try port(p, field: .ports)) }
            return .portNumbers(ports, services: Set(ids), scripting: a.scripting)
        case .unspecified, .unrecognized:
            throw SharingError(
                .invalidArgument, subject: String(a.mode.rawValue), field: .accessMode,
                message: "access.mode must be ALL or PORTS")
        }
    }

    /// A page size; the domain applies the default and the maximum.
    static func pageSize(_ value: UInt32) -> Int { Int(value) }

    /// `nil` for an empty token (the first page).
    static func pageToken(_ token: String) -> String? { token.isEmpty ? nil : token }

    /// A time filter; 0 means "no bound".
    static func time(_ ms: Int64) -> Timestamp? { ms == 0 ? nil : Timestamp(millisecondsSinceEpoch: ms) }

    /// A share's expiry: 0 means none; a negative instant is invalid.
    static func expiry(_ ms: Int64) throws(SharingError) -> Timestamp? {
        if ms < 0 {
            throw SharingError(
                .invalidArgument, subject: String(ms), field: .expiresAtMs,
                message: "expires_at_ms must be 0 (no time limit) or an instant after now")
        }
        return time(ms)
    }

    /// UpdateShare's expiry: absent keeps it, 0 clears it, else sets it.
    static func expiryUpdate(_ ms: Int64?) throws(SharingError) -> ExpiryUpdate {
        guard let ms else { return .keep }
        return try expiry(ms).map(ExpiryUpdate.at) ?? .clear
    }

    static func eventKind(_ kind: AuditEventKind) throws(SharingError) -> EventKind? {
        switch kind {
        case .unspecified: return nil
        case .accountCreated: return .accountCreated
        case .contactCreated: return .contactCreated
        case .contactUpdated: return .contactUpdated
        case .contactDeleted: return .contactDeleted
        case .contactInvited: return .contactInvited
        case .deviceRegistered: return .deviceRegistered
        case .deviceRenamed: return .deviceRenamed
        case .serviceAdded: return .serviceAdded
        case .serviceRemoved: return .serviceRemoved
        case .shareCreated: return .shareCreated
        case .shareUpdated: return .shareUpdated
        case .shareRemoved: return .shareRemoved
        case .shareLeft: return .shareLeft
        case .deviceTransferred: return .deviceTransferred
        case .shareExpired: return .shareExpired
        case .apiKeyCreated: return .apiKeyCreated
        case .apiKeyRevoked: return .apiKeyRevoked
        case .deviceDeleted: return .deviceDeleted
        case .accountDeleted: return .accountDeleted
        case .shareAccepted: return .shareAccepted
        case .shareDeclined: return .shareDeclined
        case let .unrecognized(value):
            throw SharingError(.invalidArgument, subject: String(value), field: .kind, message: "unknown event kind")
        }
    }
}

extension LanguageCode {
    init(_ language: Language) {
        switch language {
        case .en: self = .en
        case .ja: self = .ja
        }
    }
}

extension AccountInfo {
    init(_ a: Account) {
        self.init(
            id: a.id.external, email: a.email.value, language: LanguageCode(a.language),
            createdAtMs: a.createdAt.millisecondsSinceEpoch)
    }
}

extension ContactInfo {
    init(_ c: Contact, hasAccount: Bool) {
        self.init(
            id: c.id.external, email: c.email.value, firstName: c.firstName ?? "", lastName: c.lastName ?? "",
            company: c.company ?? "", language: LanguageCode(c.language), hasAccount: hasAccount,
            invitedAtMs: c.invitedAt?.millisecondsSinceEpoch ?? 0, createdAtMs: c.createdAt.millisecondsSinceEpoch,
            updatedAtMs: c.updatedAt.millisecondsSinceEpoch)
    }

    init(_ view: ContactView) {
        self.init(view.contact, hasAccount: view.hasAccount)
    }
}

extension ServiceInfo {
    init(_ s: Service) {
        self.init(id: s.id.external, name: s.name, port: UInt32(s.port), protocol: s.protocol)
    }
}

extension Access {
    /// A stored grant on `device`, with the ports of its services filled in.
    init(_ a: ShareAccess, on device: Device?) {
        var ports = Set<UInt32>()
        if a.mode == .ports, let device {
            for s in device.services where a.services.contains(s.id) { ports.insert(UInt32(s.port)) }
        }
        // Sorted so equal access always encodes the same.
        self.init(
            mode: a.mode == .all ? .all : .ports, serviceIDs: a.services.sorted().map(\.external),
            scripting: a.scripting, ports: ports.sorted())
    }
}

extension DeviceInfo {
    init(_ d: Device, role: DeviceView.Role, expiresAt: Timestamp? = nil, acceptBy: Timestamp? = nil) {
        let wireRole: DeviceInfo.Role
        switch role {
        case let .owner(shareCount):
            wireRole = .owned(OwnedDevice(shareCount: UInt32(clamping: shareCount)))
        case let .recipient(sharedBy, access):
            wireRole = .shared(
                SharedDevice(
                    sharedBy: sharedBy.value, access: Access(access, on: d),
                    expiresAtMs: expiresAt?.millisecondsSinceEpoch ?? 0,
                    acceptByMs: acceptBy?.millisecondsSinceEpoch ?? 0))
        }
        self.init(
            id: d.id.external, name: d.name, services: d.services.map(ServiceInfo.init),
            createdAtMs: d.createdAt.millisecondsSinceEpoch, updatedAtMs: d.updatedAt.millisecondsSinceEpoch,
            role: wireRole)
    }

    init(_ view: DeviceView) {
        self.init(view.device, role: view.role, expiresAt: view.expiresAt, acceptBy: view.acceptBy)
    }
}

extension ShareInfo {
    init(_ view: ShareView, on device: Device?) {
        let s = view.share
        self.init(
            deviceID: s.device.external, userID: s.user.external, email: view.email.value,
            access: Access(s.access, on: device), createdAtMs: s.createdAt.millisecondsSinceEpoch,
            updatedAtMs: s.updatedAt.millisecondsSinceEpoch, expiresAtMs: s.expiresAt?.millisecondsSinceEpoch ?? 0,
            acceptByMs: s.acceptBy?.millisecondsSinceEpoch ?? 0)
    }
}

extension Sharee {
    init(_ a: AccountSummary) {
        self.init(userID: a.id.external, email: a.email.value)
    }
}

extension AuditEventKind {
    init(_ kind: EventKind) {
        switch kind {
        case .accountCreated: self = .accountCreated
        case .contactCreated: self = .contactCreated
        case .contactUpdated: self = .contactUpdated
        case .contactDeleted: self = .contactDeleted
        case .contactInvited: self = .contactInvited
        case .deviceRegistered: self = .deviceRegistered
        case .deviceRenamed: self = .deviceRenamed
        case .serviceAdded: self = .serviceAdded
        case .serviceRemoved: self = .serviceRemoved
        case .shareCreated: self = .shareCreated
        case .shareUpdated: self = .shareUpdated
        case .shareRemoved: self = .shareRemoved
        case .shareLeft: self = .shareLeft
        case .deviceTransferred: self = .deviceTransferred
        case .shareExpired: self = .shareExpired
        case .apiKeyCreated: self = .apiKeyCreated
        case .apiKeyRevoked: self = .apiKeyRevoked
        case .deviceDeleted: self = .deviceDeleted
        case .accountDeleted: self = .accountDeleted
        case .shareAccepted: self = .shareAccepted
        case .shareDeclined: self = .shareDeclined
        }
    }
}

extension ApiKeyInfo {
    init(_ k: APIKeyRecord, lastUsed: Timestamp?) {
        self.init(
            id: k.id.external, name: k.name, createdAtMs: k.createdAt.millisecondsSinceEpoch,
            lastUsedAtMs: lastUsed?.millisecondsSinceEpoch ?? 0)
    }
}

extension AuditEvent {
    init(_ e: Event) {
        self.init(
            id: e.id.external, revision: e.revision, atMs: e.at.millisecondsSinceEpoch, actorID: e.actor.external,
            kind: AuditEventKind(e.kind), deviceIDs: e.devices.map(\.external), userIDs: e.users.map(\.external),
            detail: e.detail)
    }
}

extension NotificationKind {
    init(_ template: NotificationTemplate) {
        switch template {
        case .invite: self = .invite
        case .shared: self = .shareCreated
        case .shareUpdated: self = .shareUpdated
        case .shareRemoved: self = .shareRemoved
        case .left: self = .shareLeft
        case .transferSent: self = .transferSent
        case .transferReceived: self = .transferReceived
        case .shareExpired: self = .shareExpired
        case .shareExpiredOwner: self = .shareExpiredOwner
        case .shareInvitation: self = .shareInvitation
        case .shareAccepted: self = .shareAccepted
        case .shareDeclined: self = .shareDeclined
        case .invitationExpired: self = .invitationExpired
        case .deviceDeleted: self = .deviceDeleted
        case .accountClosed: self = .accountClosed
        }
    }
}

extension NotificationEntry {
    init(_ n: OutboxNotification) {
        self.init(
            sequence: n.sequence, revision: n.revision, createdAtMs: n.createdAt.millisecondsSinceEpoch,
            recipientEmail: n.recipientEmail.value, recipientID: n.recipient?.external ?? "",
            language: LanguageCode(n.language), template: NotificationKind(n.template), subject: n.subject,
            body: n.body)
    }
}
