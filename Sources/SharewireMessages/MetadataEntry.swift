import CSharewireProto

/// One metadata pair (`sharewire.v1.MetadataEntry`). Keys are lowercase
/// ASCII; see docs/PROTOCOL.md §8.
public struct MetadataEntry: ProtoMessage, Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String = "", value: String = "") {
        self.key = key
        self.value = value
    }
}

extension MetadataEntry: CBridgedMessage {
    typealias CMessage = Sharewire__V1__MetadataEntry
    static let cDescriptor = CMessageDescriptor(CMessage(), sharewire__v1__metadata_entry__init)

    var cArenaHint: Int { CEncodingArena.hint(key) + CEncodingArena.hint(value) }

    func fill(_ c: UnsafeMutablePointer<CMessage>, arena: inout CEncodingArena) {
        c.pointee.key = arena.cString(key, field: "key")
        c.pointee.value = arena.cString(value, field: "value")
    }

    init(c: UnsafePointer<CMessage>) throws(ProtoDecodingError) {
        self.init(
            key: try CDecoding.string(c.pointee.key, field: "key"),
            value: try CDecoding.string(c.pointee.value, field: "value"))
    }
}
