import CSharewireProto

/// An audit record: who did what to which devices and users, when (`sharewire.v1.AuditEvent`).
public struct AuditEvent: ProtoMessage, Hashable {
    /// "evt_N"; increasing.
    public var id: String
    /// The revision of the write that recorded it.
    public var revision: UInt64
    /// When it happened.
    public var atMs: Int64
    /// The account that acted.
    public var actorID: String
    /// What happened.
    public var kind: AuditEventKind
    /// The devices it concerns ("dev_N"); may be empty.
    public var deviceIDs: [String]
    /// The accounts the event concerns; always includes the actor.
    public var userIDs: [String]
    /// A short machine-readable summary, e.g. "mode=PORTS services=svc_1 scripting=true".
    public var detail: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        id: String = "",
        revision: UInt64 = 0,
        atMs: Int64 = 0,
        actorID: String = "",
        kind: AuditEventKind = .unspecified,
        deviceIDs: [String] = [],
        userIDs: [String] = [],
        detail: String = ""
    ) {
        self.id = id
        self.revision = revision
        self.atMs = atMs
        self.actorID = actorID
        self.kind = kind
        self.deviceIDs = deviceIDs
        self.userIDs = userIDs
        self.detail = detail
    }
}

extension AuditEvent: CBridgedMessage {
    typealias CMessage = Sharewire__V1__AuditEvent
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__audit_event__init)

    var cArenaHint: Int {
        CEncodingArena.hint(id)
            + CEncodingArena.hint(actorID)
            + CEncodingArena.hint(strings: deviceIDs)
            + CEncodingArena.hint(strings: userIDs)
            + CEncodingArena.hint(detail)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.id = arena.cString(id, field: "id")
        c.pointee.revision = revision
        c.pointee.at_ms = atMs
        c.pointee.actor_id = arena.cString(actorID, field: "actor_id")
        c.pointee.kind = .init(CEnum.wireValue(kind))
        (c.pointee.n_device_ids, c.pointee.device_ids) = arena.cStrings(deviceIDs, field: "device_ids")
        (c.pointee.n_user_ids, c.pointee.user_ids) = arena.cStrings(userIDs, field: "user_ids")
        c.pointee.detail = arena.cString(detail, field: "detail")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            id: try CDecoding.string(c.pointee.id, field: "id"),
            revision: c.pointee.revision,
            atMs: c.pointee.at_ms,
            actorID: try CDecoding.string(c.pointee.actor_id, field: "actor_id"),
            kind: CEnum.open(c.pointee.kind.rawValue),
            deviceIDs: try CDecoding.strings(c.pointee.n_device_ids, c.pointee.device_ids, field: "device_ids"),
            userIDs: try CDecoding.strings(c.pointee.n_user_ids, c.pointee.user_ids, field: "user_ids"),
            detail: try CDecoding.string(c.pointee.detail, field: "detail"))
    }
}
