import CProtobufC
import CSharewireProto  // see docs/MESSAGES.md, "Importing the C modules"

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds NUL bytes in string fields by scanning the wire bytes.
///
/// protobuf-c unpacks a `string` into a NUL-terminated `char *` and keeps no
/// length, so `"ab\0cd"` comes back as `"ab"` and the truncation cannot be
/// detected afterwards. The wire bytes still carry the exact length, so we
/// walk the encoding with the message's own protobuf-c descriptor: for every
/// length-delimited field the descriptor types as `string` we `memchr` its
/// bytes; for every field typed as a message we recurse with the
/// sub-descriptor; everything else (scalars, `bytes`, unknown fields) is
/// skipped by wire type. This reaches every byte protobuf-c would turn into
/// a `char *`, including repeated strings and every occurrence of a
/// (merged) non-repeated message field, so the check is sound.
///
/// It runs after protobuf-c unpacked the same bytes successfully, so the
/// structure is known to be well formed; malformed input still fails safely
/// (bounds-checked) with `.malformed`. Cost: one `memchr` over the whole
/// message, and only when that finds a zero byte, one varint decode per
/// field plus `memchr` over string bytes; `bytes` payloads are skipped by length.
enum EmbeddedNULScan {
    /// Nesting deeper than this is reported as malformed. The schema has no
    /// recursive messages, so real input never comes close.
    static let maxDepth = 64

    /// The largest message checked with one `memchr` before any walk.
    static let nulScanShortcutLimit = 512

    static func check(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        depth: Int = 0
    ) throws(ProtoDecodingError) {
        guard depth <= maxDepth else { throw .malformed(message: "") }
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        // No zero byte anywhere, so none in a string: the common case (a
        // proto3 encoder writes no zero scalars), found with one `memchr`
        // instead of a walk with a descriptor lookup per field. Only for
        // small messages: the walk skips a large `bytes` field by its length.
        if depth == 0, count <= nulScanShortcutLimit, memchr(base, 0, count) == nil { return }
        var offset = 0
        while offset < count {
            let key = try readVarint(base, count, &offset)
            let wireType = key & 7
            switch wireType {
            case 0:  // varint
                _ = try readVarint(base, count, &offset)
            case 1:  // 64-bit
                guard count - offset >= 8 else { throw .malformed(message: "") }
                offset += 8
            case 5:  // 32-bit
                guard count - offset >= 4 else { throw .malformed(message: "") }
                offset += 4
            case 2:  // length-delimited
                let length = try readVarint(base, count, &offset)
                guard length <= UInt64(count - offset) else { throw .malformed(message: "") }
                let start = offset
                offset += Int(length)
                let fieldNumber = key >> 3
                guard fieldNumber <= UInt64(UInt32.max),
                    let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(fieldNumber))
                else { continue }  // unknown field: not turned into a char *
                switch field.pointee.type {
                case PROTOBUF_C_TYPE_STRING:
                    if length > 0, memchr(base + start, 0, Int(length)) != nil {
                        throw .embeddedNUL(message: "", field: String(cString: field.pointee.name))
                    }
                case PROTOBUF_C_TYPE_MESSAGE:
                    let sub = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                    do {
                        try check(
                            UnsafeRawBufferPointer(start: base + start, count: Int(length)),
                            descriptor: sub, depth: depth + 1)
                    } catch {
                        throw error.nested(in: String(cString: field.pointee.name))
                    }
                default:
                    break  // bytes, or a packed repeated scalar
                }
            default:  // groups (3, 4) and invalid wire types: protobuf-c rejects them too
                throw .malformed(message: "")
            }
        }
    }

    @inline(__always)
    private static func readVarint(
        _ base: UnsafeRawPointer, _ count: Int, _ offset: inout Int
    ) throws(ProtoDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < count, shift < 64 {
            let byte = base.load(fromByteOffset: offset, as: UInt8.self)
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw .malformed(message: "")
    }
}
