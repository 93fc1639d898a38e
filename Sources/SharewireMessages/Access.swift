import CSharewireProto

/// The access one share grants: mode, chosen services and scripting (`sharewire.v1.Access`).
public struct Access: ProtoMessage, Hashable {
    /// ALL or PORTS; UNSPECIFIED is invalid in requests.
    public var mode: AccessMode
    /// PORTS only: the service ids ("svc_N") granted, at most 64 (server
    /// default); must be empty for ALL. Every id must be a service of every
    /// device of the call (SERVICE_NOT_ON_DEVICE). Duplicates count once.
    /// PORTS with no services is valid only with scripting (scripts-only
    /// access); otherwise EMPTY_ACCESS.
    public var serviceIDs: [String]
    /// Whether the recipient may run scripts on the device.
    public var scripting: Bool

    /// Creates a message; every field defaults to its proto3 default.
    public init(mode: AccessMode = .unspecified, serviceIDs: [String] = [], scripting: Bool = false) {
        self.mode = mode
        self.serviceIDs = serviceIDs
        self.scripting = scripting
    }
}

extension Access: CBridgedMessage {
    typealias CMessage = Sharewire__V1__Access
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__access__init)

    var cArenaHint: Int { CEncodingArena.hint(strings: serviceIDs) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.mode = .init(CEnum.wireValue(mode))
        (c.pointee.n_service_ids, c.pointee.service_ids) = arena.cStrings(serviceIDs, field: "service_ids")
        c.pointee.scripting = scripting ? 1 : 0
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            mode: CEnum.open(c.pointee.mode.rawValue),
            serviceIDs: try CDecoding.strings(c.pointee.n_service_ids, c.pointee.service_ids, field: "service_ids"),
            scripting: c.pointee.scripting != 0)
    }
}
