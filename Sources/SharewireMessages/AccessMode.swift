/// What a share grants (`sharewire.v1.AccessMode`).
public enum AccessMode: ProtoEnum {
    /// `ACCESS_MODE_UNSPECIFIED` (0). Invalid in requests (INVALID_ARGUMENT, field "access.mode").
    case unspecified
    /// `ACCESS_MODE_ALL` (1). Every service of the device, including services added later (legacy).
    case all
    /// `ACCESS_MODE_PORTS` (2). Only the services listed in Access.service_ids.
    case ports
    /// A value this build does not know (sent by a peer with a newer schema).
    case unrecognized(Int32)

    /// The known cases, in wire-value order.
    public static let allCases: [AccessMode] = [.unspecified, .all, .ports]

    /// The case for `rawValue`, or `.unrecognized(rawValue)`.
    public init(rawValue: Int32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .all
        case 2: self = .ports
        default: self = .unrecognized(rawValue)
        }
    }

    /// The wire value.
    public var rawValue: Int32 {
        switch self {
        case .unspecified: 0
        case .all: 1
        case .ports: 2
        case .unrecognized(let value): value
        }
    }
}
