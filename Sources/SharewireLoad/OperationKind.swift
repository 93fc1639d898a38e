/// One kind of call the load tool makes. Scenarios are weighted mixes of these.
public enum OperationKind: Int, Sendable, Hashable, Codable, CaseIterable {
    /// `Diagnostics/Echo`, 16-byte payload: the protocol's own cost.
    case echo
    /// `CheckService/Check` of a seeded (user, device, port), with the user's own key.
    case check
    /// `SharingService/Share` of 1 device × 1 contact, PORTS, flipping the
    /// service each pass so every call after the first is a real update.
    case share
    /// `SharingService/Share` of N devices × M contacts, then `RemoveShares`
    /// of the same pairs on that group's next turn (state stays steady).
    case bulkShare
    /// `SharingService/Transfer` of a dedicated device to a partner owner and back.
    case transfer
    /// `ContactService/Create`, `Invite` and `Delete` of contacts without
    /// accounts, in turn, each contact deleted a while after it was created.
    case churn

    /// The name used on the command line and in reports.
    public var name: String {
        switch self {
        case .echo: "echo"
        case .check: "check"
        case .share: "share"
        case .bulkShare: "bulk-share"
        case .transfer: "transfer"
        case .churn: "churn"
        }
    }

    /// The kind named `name`, if any.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    var index: Int { rawValue }

    /// Whether the operation writes (and needs seeded owners partitioned by worker).
    public var writes: Bool { self != .echo && self != .check }
}
