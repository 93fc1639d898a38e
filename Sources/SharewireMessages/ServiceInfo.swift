import CSharewireProto

/// A service a device offers: something listening on a port (`sharewire.v1.ServiceInfo`).
public struct ServiceInfo: ProtoMessage, Hashable {
    /// "svc_N", unique across all devices.
    public var id: String
    /// At most 128 bytes.
    public var name: String
    /// 1-65535.
    public var port: UInt32
    /// Free text such as "tcp", "udp", "ssh", "http": non-empty, no spaces,
    /// at most 32 bytes.
    public var `protocol`: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(id: String = "", name: String = "", port: UInt32 = 0, protocol: String = "") {
        self.id = id
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }
}

extension ServiceInfo: CBridgedMessage {
    typealias CMessage = Sharewire__V1__ServiceInfo
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__service_info__init)

    var cArenaHint: Int {
        CEncodingArena.hint(id)
            + CEncodingArena.hint(name)
            + CEncodingArena.hint(`protocol`)
    }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.id = arena.cString(id, field: "id")
        c.pointee.name = arena.cString(name, field: "name")
        c.pointee.port = port
        c.pointee.protocol = arena.cString(`protocol`, field: "protocol")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            id: try CDecoding.string(c.pointee.id, field: "id"),
            name: try CDecoding.string(c.pointee.name, field: "name"),
            port: c.pointee.port,
            protocol: try CDecoding.string(c.pointee.protocol, field: "protocol"))
    }
}
