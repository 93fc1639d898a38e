import CSharewireProto

/// A service to add; the server allocates its id (`sharewire.v1.NewService`).
public struct NewService: ProtoMessage, Hashable {
    /// Required; at most 128 bytes, no control characters.
    public var name: String
    /// 1-65535 (INVALID_PORT otherwise).
    public var port: UInt32
    /// Required; non-empty, no spaces, at most 32 bytes.
    public var `protocol`: String

    /// Creates a message; every field defaults to its proto3 default.
    public init(name: String = "", port: UInt32 = 0, protocol: String = "") {
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }
}

extension NewService: CBridgedMessage {
    typealias CMessage = Sharewire__V1__NewService
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__new_service__init)

    var cArenaHint: Int { CEncodingArena.hint(name) + CEncodingArena.hint(`protocol`) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.name = arena.cString(name, field: "name")
        c.pointee.port = port
        c.pointee.protocol = arena.cString(`protocol`, field: "protocol")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            name: try CDecoding.string(c.pointee.name, field: "name"),
            port: c.pointee.port,
            protocol: try CDecoding.string(c.pointee.protocol, field: "protocol"))
    }
}
