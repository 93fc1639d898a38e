import CSharewireProto

/// The access one share grants: mode, chosen services and ports, and scripting (`sharewire.v1.Access`).
public struct Access: ProtoMessage, Hashable {
    /// ALL or PORTS; UNSPECIFIED is invalid in requests.
    public var mode: AccessMode
    /// PORTS only: the service ids ("svc_N") granted; must be empty for ALL.
    /// Every id must be a service of every device of the call
    /// (SERVICE_NOT_ON_DEVICE). Duplicates count once. Service ids and ports
    /// together name at most 64 entries (server default). PORTS naming
    /// nothing is valid only with scripting; otherwise EMPTY_ACCESS.
    public var serviceIDs: [String]
    /// Whether the recipient may run scripts on the device.
    public var scripting: Bool
    /// PORTS only: port numbers 1–65535, resolved on each device of a request
    /// to that device's services on the port. In responses, the ports of the
    /// granted services, sorted and unique.
    public var ports: [UInt32]

    /// Creates a message; every field defaults to its proto3 default.
    public init(mode: AccessMode = .unspecified, serviceIDs: [String] = [], scripting: Bool = false,
                ports: [UInt32] = []) {
        self.mode = mode
        self.serviceIDs = serviceIDs
        self.scripting = scripting
        self.ports = ports
    }
}

extension Access: CBridgedMessage {
    typealias CMessage = Sharewire__V1__Access
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__access__init)

    var cArenaHint: Int { CEncodingArena.hint(strings: serviceIDs) + CEncodingArena.hint(scalars: ports) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.mode = .init(CEnum.wireValue(mode))
        (c.pointee.n_service_ids, c.pointee.service_ids) = arena.cStrings(serviceIDs, field: "service_ids")
        c.pointee.scripting = scripting ? 1 : 0
        (c.pointee.n_ports, c.pointee.ports) = arena.scalars(ports)
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            mode: CEnum.open(c.pointee.mode.rawValue),
            serviceIDs: try CDecoding.strings(c.pointee.n_service_ids, c.pointee.service_ids, field: "service_ids"),
            scripting: c.pointee.scripting != 0,
            ports: CDecoding.scalars(c.pointee.n_ports, c.pointee.ports))
    }
}
