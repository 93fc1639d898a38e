import CSharewireProto

/// Head of a REQUEST frame (`sharewire.v1.RequestHead`): which method, when
/// it must finish, and metadata. Encoded and decoded on every call.
public struct RequestHead: ProtoMessage, Hashable {
    /// Full method path, e.g. `"/sharewire.v1.Diagnostics/Echo"`; may be
    /// empty when `methodID` is set.
    public var method: String
    /// Numeric fast-path id (`MethodID` raw value); 0 means "use `method`".
    public var methodID: UInt32
    /// Relative deadline in microseconds from when the server reads the
    /// frame; 0 means no deadline. (Wire field `timeout_us`.)
    public var timeoutMicros: UInt64
    public var metadata: [MetadataEntry]

    public init(method: String = "", methodID: UInt32 = 0, timeoutMicros: UInt64 = 0, metadata: [MetadataEntry] = []) {
        self.method = method
        self.methodID = methodID
        self.timeoutMicros = timeoutMicros
        self.metadata = metadata
    }
}

extension RequestHead: CBridgedMessage {
    typealias CMessage = Sharewire__V1__RequestHead
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__request_head__init)

    var cArenaHint: Int { CEncodingArena.hint(method) + CEncodingArena.hint(repeated: metadata) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.method = arena.cString(method, field: "method")
        c.pointee.method_id = methodID
        c.pointee.timeout_us = timeoutMicros
        (c.pointee.n_metadata, c.pointee.metadata) = arena.repeated(metadata, field: "metadata")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            method: try CDecoding.string(c.pointee.method, field: "method"),
            methodID: c.pointee.method_id,
            timeoutMicros: c.pointee.timeout_us,
            metadata: try CDecoding.repeated(c.pointee.n_metadata, c.pointee.metadata, of: MetadataEntry.self, field: "metadata"))
    }
}
