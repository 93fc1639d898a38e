import CSharewireProto

/// A device as the caller sees it (`sharewire.v1.DeviceInfo`).
public struct DeviceInfo: ProtoMessage, Hashable {
    /// How the caller relates to the device: the `role` oneof.
    public enum Role: Sendable, Hashable {
        /// The caller owns the device (`owned`, field 6).
        case owned(OwnedDevice)
        /// The device was shared with the caller (`shared`, field 7).
        case shared(SharedDevice)
    }

    /// "dev_N".
    public var id: String
    /// At most 128 bytes.
    public var name: String
    /// In the order they were added; at most 64.
    public var services: [ServiceInfo]
    /// When it was created.
    public var createdAtMs: Int64
    /// When it last changed.
    public var updatedAtMs: Int64
    /// Always set by the server; `nil` only when absent on the wire.
    public var role: Role?

    /// Creates a message; every field defaults to its proto3 default.
    public init(
        id: String = "",
        name: String = "",
        services: [ServiceInfo] = [],
        createdAtMs: Int64 = 0,
        updatedAtMs: Int64 = 0,
        role: Role? = nil
    ) {
        self.id = id
        self.name = name
        self.services = services
        self.createdAtMs = createdAtMs
        self.updatedAtMs = updatedAtMs
        self.role = role
    }
}

extension DeviceInfo: CBridgedMessage {
    typealias CMessage = Sharewire__V1__DeviceInfo
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__device_info__init)

    var cArenaHint: Int {
        let roleHint = switch role {
        case .owned(let owned): CEncodingArena.hint(message: owned)
        case .shared(let shared): CEncodingArena.hint(message: shared)
        case nil: 0
        }
        return CEncodingArena.hint(id) + CEncodingArena.hint(name) + CEncodingArena.hint(repeated: services) + roleHint
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.id = arena.cString(id, field: "id")
        c.pointee.name = arena.cString(name, field: "name")
        (c.pointee.n_services, c.pointee.services) = arena.repeated(services, field: "services")
        c.pointee.created_at_ms = createdAtMs
        c.pointee.updated_at_ms = updatedAtMs
        switch role {
        case .owned(let owned):
            c.pointee.role_case = SHAREWIRE__V1__DEVICE_INFO__ROLE_OWNED
            c.pointee.owned = arena.nested(owned, field: "owned")
        case .shared(let shared):
            c.pointee.role_case = SHAREWIRE__V1__DEVICE_INFO__ROLE_SHARED
            c.pointee.shared = arena.nested(shared, field: "shared")
        case nil:
            break
        }
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        var role: Role?
        switch c.pointee.role_case {
        case SHAREWIRE__V1__DEVICE_INFO__ROLE_OWNED:
            role = try CDecoding.message(c.pointee.owned, of: OwnedDevice.self, field: "owned").map(Role.owned)
        case SHAREWIRE__V1__DEVICE_INFO__ROLE_SHARED:
            role = try CDecoding.message(c.pointee.shared, of: SharedDevice.self, field: "shared").map(Role.shared)
        default:
            role = nil
        }
        self.init(
            id: try CDecoding.string(c.pointee.id, field: "id"),
            name: try CDecoding.string(c.pointee.name, field: "name"),
            services: try CDecoding.repeated(c.pointee.n_services, c.pointee.services, of: ServiceInfo.self, field: "services"),
            createdAtMs: c.pointee.created_at_ms,
            updatedAtMs: c.pointee.updated_at_ms,
            role: role)
    }
}
