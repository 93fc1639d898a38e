import CProtobufC

/// Fields of a message that this build's schema does not know (sent by a peer
/// built from a newer schema), kept from decode to encode as swift-protobuf
/// does: a message passed on (a proxy, a queue, a retry) loses nothing.
///
/// protobuf-c does the keeping on the wire side: its unpacker collects such
/// fields in `ProtobufCMessage.unknown_fields`, and its packer writes them
/// after the known ones. This value carries them across the Swift side.
public struct UnknownFields: Sendable, Hashable {
    /// One field as protobuf-c holds it: the field number, the wire type, and
    /// the value's bytes (a varint's bytes, a fixed-size value, or a
    /// length-delimited value without its length).
    public struct Field: Sendable, Hashable {
        public let number: UInt32
        public let wireType: UInt32
        public let bytes: [UInt8]
    }

    /// nil, not an empty array, when there are none (nearly always): then
    /// copying, comparing and encoding a message costs no reference count.
    fileprivate var storage: [Field]?

    /// In the order they were received.
    public var fields: [Field] { storage ?? [] }

    public init() {}

    public var isEmpty: Bool { storage == nil }

    /// Copies the unknown fields protobuf-c collected while unpacking.
    /// - Throws: `.malformed` for field number 0, which is invalid: protobuf-c
    ///   rejects it only in a one-byte tag and keeps an over-long encoding of
    ///   it (`0x85 0x00`) as an unknown field, which would then re-encode
    ///   as bytes that no longer decode.
    // The common case (none) inlines into every message's decoder; the copy
    // is out of line.
    @inline(__always)
    init(_ base: ProtobufCMessage) throws(ProtoDecodingError) {
        guard base.n_unknown_fields > 0, let unknown = base.unknown_fields else { return }
        storage = try Self.copy(unknown, count: Int(base.n_unknown_fields))
    }

    @inline(never)
    private static func copy(
        _ unknown: UnsafeMutablePointer<ProtobufCMessageUnknownField>,
        count: Int
    ) throws(ProtoDecodingError) -> [Field] {
        var fields: [Field] = []
        fields.reserveCapacity(count)
        for index in 0..<count {
            let field = unknown[index]
            guard field.tag != 0 else { throw .malformed(message: "") }
            let bytes =
                field.len > 0 && field.data != nil
                ? Array(UnsafeBufferPointer(start: field.data, count: field.len)) : []
            fields.append(Field(number: field.tag, wireType: field.wire_type.rawValue, bytes: bytes))
        }
        return fields
    }

    /// Arena bytes `CEncodingArena.unknownFields(_:into:)` takes.
    @inline(__always)
    var arenaHint: Int {
        guard let fields = storage else { return 0 }
        return fields.reduce(CEncodingArena.hint(ProtobufCMessageUnknownField.self, count: fields.count)) {
            $0 + $1.bytes.count
        }
    }
}

extension CEncodingArena {
    /// Points a C message at copies of `unknown`, so protobuf-c packs them.
    @inline(__always)
    mutating func unknownFields(_ unknown: UnknownFields, into base: inout ProtobufCMessage) {
        guard let known = unknown.storage else { return }
        fill(known, into: &base)
    }

    @inline(never)
    private mutating func fill(_ known: [UnknownFields.Field], into base: inout ProtobufCMessage) {
        let fields = allocate(ProtobufCMessageUnknownField.self, count: known.count)
        for (index, field) in known.enumerated() {
            let data = binaryData(field.bytes)
            (fields + index).initialize(
                to: ProtobufCMessageUnknownField(
                    tag: field.number, wire_type: ProtobufCWireType(rawValue: field.wireType),
                    len: data.len, data: data.data))
        }
        base.n_unknown_fields = UInt32(known.count)
        base.unknown_fields = fields
    }
}
