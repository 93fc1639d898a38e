/// Which template a notification was rendered from (`sharewire.v1.NotificationKind`).
public enum NotificationKind: ProtoEnum {
    /// `NOTIFICATION_KIND_UNSPECIFIED` (0).
    case unspecified
    /// `NOTIFICATION_KIND_INVITE` (1). An owner invited a contact without an account.
    case invite
    /// `NOTIFICATION_KIND_SHARE_CREATED` (2).
    case shareCreated
    /// `NOTIFICATION_KIND_SHARE_UPDATED` (3).
    case shareUpdated
    /// `NOTIFICATION_KIND_SHARE_REMOVED` (4).
    case shareRemoved
    /// `NOTIFICATION_KIND_SHARE_LEFT` (5). A recipient left (sent to the owner).
    case shareLeft
    /// `NOTIFICATION_KIND_TRANSFER_SENT` (6).
    case transferSent
    /// `NOTIFICATION_KIND_TRANSFER_RECEIVED` (7).
    case transferReceived
    /// A value this build does not know (sent by a peer with a newer schema).
    case unrecognized(Int32)

    /// The known cases, in wire-value order.
    public static let allCases: [NotificationKind] = [.unspecified, .invite, .shareCreated, .shareUpdated, .shareRemoved, .shareLeft, .transferSent, .transferReceived]

    /// The case for `rawValue`, or `.unrecognized(rawValue)`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .invite
        case 2: self = .shareCreated
        case 3: self = .shareUpdated
        case 4: self = .shareRemoved
        case 5: self = .shareLeft
        case 6: self = .transferSent
        case 7: self = .transferReceived
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire value.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .invite: 1
        case .shareCreated: 2
        case .shareUpdated: 3
        case .shareRemoved: 4
        case .shareLeft: 5
        case .transferSent: 6
        case .transferReceived: 7
        case .unrecognized(let value): value
        }
    }
}
