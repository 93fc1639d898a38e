/// What an audit event records (`sharewire.v1.AuditEventKind`).
public enum AuditEventKind: ProtoEnum {
    /// `AUDIT_EVENT_KIND_UNSPECIFIED` (0). In ListEventsRequest: any kind.
    case unspecified
    /// `AUDIT_EVENT_KIND_ACCOUNT_CREATED` (1).
    case accountCreated
    /// `AUDIT_EVENT_KIND_CONTACT_CREATED` (2).
    case contactCreated
    /// `AUDIT_EVENT_KIND_CONTACT_UPDATED` (3).
    case contactUpdated
    /// `AUDIT_EVENT_KIND_CONTACT_DELETED` (4).
    case contactDeleted
    /// `AUDIT_EVENT_KIND_CONTACT_INVITED` (5).
    case contactInvited
    /// `AUDIT_EVENT_KIND_DEVICE_REGISTERED` (6).
    case deviceRegistered
    /// `AUDIT_EVENT_KIND_DEVICE_RENAMED` (7).
    case deviceRenamed
    /// `AUDIT_EVENT_KIND_SERVICE_ADDED` (8).
    case serviceAdded
    /// `AUDIT_EVENT_KIND_SERVICE_REMOVED` (9).
    case serviceRemoved
    /// `AUDIT_EVENT_KIND_SHARE_CREATED` (10).
    case shareCreated
    /// `AUDIT_EVENT_KIND_SHARE_UPDATED` (11).
    case shareUpdated
    /// `AUDIT_EVENT_KIND_SHARE_REMOVED` (12).
    case shareRemoved
    /// `AUDIT_EVENT_KIND_SHARE_LEFT` (13).
    case shareLeft
    /// `AUDIT_EVENT_KIND_DEVICE_TRANSFERRED` (14).
    case deviceTransferred
    /// A value this build does not know (sent by a peer with a newer schema).
    case unrecognized(Int32)

    /// The known cases, in wire-value order.
    public static let allCases: [AuditEventKind] = [.unspecified, .accountCreated, .contactCreated, .contactUpdated, .contactDeleted, .contactInvited, .deviceRegistered, .deviceRenamed, .serviceAdded, .serviceRemoved, .shareCreated, .shareUpdated, .shareRemoved, .shareLeft, .deviceTransferred]

    /// The case for `rawValue`, or `.unrecognized(rawValue)`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .accountCreated
        case 2: self = .contactCreated
        case 3: self = .contactUpdated
        case 4: self = .contactDeleted
        case 5: self = .contactInvited
        case 6: self = .deviceRegistered
        case 7: self = .deviceRenamed
        case 8: self = .serviceAdded
        case 9: self = .serviceRemoved
        case 10: self = .shareCreated
        case 11: self = .shareUpdated
        case 12: self = .shareRemoved
        case 13: self = .shareLeft
        case 14: self = .deviceTransferred
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire value.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .accountCreated: 1
        case .contactCreated: 2
        case .contactUpdated: 3
        case .contactDeleted: 4
        case .contactInvited: 5
        case .deviceRegistered: 6
        case .deviceRenamed: 7
        case .serviceAdded: 8
        case .serviceRemoved: 9
        case .shareCreated: 10
        case .shareUpdated: 11
        case .shareRemoved: 12
        case .shareLeft: 13
        case .deviceTransferred: 14
        case .unrecognized(let value): value
        }
    }
}
