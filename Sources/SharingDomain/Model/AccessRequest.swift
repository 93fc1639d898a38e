/// The access a share or an update asks for, before it meets a device.
///
/// `PORTS` may name services by id, by port number, or both. Ids are global,
/// so they fit one device; port numbers resolve on each device separately,
/// which is what lets one bulk call grant "port 22" on many devices. What is
/// stored is the resolved ``ShareAccess``.
public struct AccessRequest: Hashable, Sendable {
    public var mode: ShareMode
    /// Services by id; always empty for ``ShareMode/all``.
    public var services: Set<ServiceID>
    /// Port numbers (1–65535); always empty for ``ShareMode/all``.
    public var ports: Set<UInt16>
    public var scripting: Bool

    public init(mode: ShareMode, services: Set<ServiceID> = [], ports: Set<UInt16> = [], scripting: Bool) {
        self.mode = mode
        self.services = mode == .all ? [] : services
        self.ports = mode == .all ? [] : ports
        self.scripting = scripting
    }

    /// Whole-device access.
    public static func all(scripting: Bool = false) -> AccessRequest {
        AccessRequest(mode: .all, scripting: scripting)
    }

    /// The given services, by id.
    public static func ports(_ services: Set<ServiceID>, scripting: Bool = false) -> AccessRequest {
        AccessRequest(mode: .ports, services: services, scripting: scripting)
    }

    /// Every service on the given port numbers, resolved per device.
    public static func portNumbers(
        _ ports: Set<UInt16>, services: Set<ServiceID> = [],
        scripting: Bool = false
    ) -> AccessRequest {
        AccessRequest(mode: .ports, services: services, ports: ports, scripting: scripting)
    }

    /// Services and ports named, before resolution; what the per-share limit counts.
    public var entryCount: Int { services.count + ports.count }

    /// The access this request grants on `device`: its ids as given, plus every
    /// service of the device on one of the ports. Throws
    /// ``SharingErrorReason/serviceNotOnDevice`` for an id or a port the device
    /// does not have.
    public func resolved(on device: Device) throws(SharingError) -> ShareAccess {
        guard mode == .ports else { return .all(scripting: scripting) }
        for sid in services.sorted() where !device.hasService(sid) {
            throw SharingError(
                .serviceNotOnDevice, subject: sid.external, field: .serviceIds,
                message: "service is not on device \(device.id)")
        }
        var granted = services
        for port in ports.sorted() {
            var found = false
            for s in device.services where s.port == port {
                granted.insert(s.id)
                found = true
            }
            if !found {
                throw SharingError(
                    .serviceNotOnDevice, subject: String(port), field: .ports,
                    message: "device \(device.id) has no service on port \(port)")
            }
        }
        return .ports(granted, scripting: scripting)
    }
}
