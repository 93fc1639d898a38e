import CProtobufC
import CSharewireProto  // see docs/MESSAGES.md, "Importing the C modules"

/// Copying protobuf-c field values into Swift values while decoding.
///
/// Errors thrown here carry an empty message name and the field name
/// relative to the message being copied; `CMessageCodec.decode` fills in the
/// message name and repeated-field helpers prefix the parent field.
enum CDecoding {
    /// Copies a protobuf-c `char *` into a `String`, validating UTF-8.
    ///
    /// NUL bytes cannot be seen here (the C string ends at the first one);
    /// `EmbeddedNULScan` has already rejected them from the wire bytes.
    @inline(__always)
    static func string(_ pointer: UnsafePointer<CChar>?, field: StaticString) throws(ProtoDecodingError) -> String {
        guard let pointer, pointer.pointee != 0 else { return "" }
        guard let string = String(validatingCString: pointer) else {
            throw .invalidUTF8(message: "", field: field.description)
        }
        return string
    }

    /// Copies a protobuf-c `bytes` field.
    @inline(__always)
    static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    /// Copies a repeated message field (`n_x`, `x`).
    static func repeated<M: CBridgedMessage>(
        _ count: Int,
        _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?>?,
        of type: M.Type,
        field: StaticString
    ) throws(ProtoDecodingError) -> [M] {
        guard count > 0, let pointers else { return [] }
        var result: [M] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let element = pointers[index] else { throw .malformed(message: "") }
            do {
                result.append(try M(c: element))
            } catch {
                throw error.nested(in: field.description)
            }
        }
        return result
    }

    /// Copies a singular message field; `nil` when it is absent.
    static func message<M: CBridgedMessage>(
        _ pointer: UnsafeMutablePointer<M.CMessage>?, of type: M.Type, field: StaticString
    ) throws(ProtoDecodingError) -> M? {
        guard let pointer else { return nil }
        do {
            return try M(c: pointer)
        } catch {
            throw error.nested(in: field.description)
        }
    }

    /// Copies a repeated string field (`n_x`, `x`), validating UTF-8.
    static func strings(
        _ count: Int,
        _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
        field: StaticString
    ) throws(ProtoDecodingError) -> [String] {
        guard count > 0, let pointers else { return [] }
        var result: [String] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append(try string(pointers[index], field: field))
        }
        return result
    }

    /// Copies a repeated integer field (`n_x`, `x`).
    static func scalars<T: FixedWidthInteger>(_ count: Int, _ pointer: UnsafeMutablePointer<T>?) -> [T] {
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Copies a repeated `bool` field (`n_x`, `x`).
    static func booleans(_ count: Int, _ pointer: UnsafeMutablePointer<protobuf_c_boolean>?) -> [Bool] {
        guard count > 0, let pointer else { return [] }
        return UnsafeBufferPointer(start: pointer, count: count).map { $0 != 0 }
    }
}
