/// Converting between Swift enums and protobuf-c enum fields.
///
/// protobuf-c stores an enum field as the C enum type (imported as a struct
/// with an unsigned `rawValue`) and does not check the value on unpack:
/// proto3 enums are open, so any int32 may arrive. Each message decides per
/// field whether an unknown value is an error (`strict`), maps to a
/// fallback case (`lenient`) or is kept as `unrecognized` (`open`, for
/// `ProtoEnum`s).
enum CEnum {
    /// The raw value to store in a protobuf-c enum field.
    @inline(__always)
    static func wireValue<E: RawRepresentable>(_ value: E) -> UInt32 where E.RawValue == Int32 {
        UInt32(bitPattern: value.rawValue)
    }

    /// Decodes an enum field, throwing `.invalidEnum` for unknown values.
    @inline(__always)
    static func strict<E: RawRepresentable, Raw: FixedWidthInteger>(
        _ raw: Raw, as type: E.Type = E.self, field: StaticString
    ) throws(ProtoDecodingError) -> E where E.RawValue == Int32 {
        let value = Int32(truncatingIfNeeded: raw)
        guard let decoded = E(rawValue: value) else {
            throw .invalidEnum(message: "", field: field.description, value: value)
        }
        return decoded
    }

    /// Decodes an enum field, mapping unknown values to `fallback`.
    @inline(__always)
    static func lenient<E: RawRepresentable, Raw: FixedWidthInteger>(
        _ raw: Raw, default fallback: E
    ) -> E where E.RawValue == Int32 {
        E(rawValue: Int32(truncatingIfNeeded: raw)) ?? fallback
    }

    /// Decodes an open enum field: unknown values become `.unrecognized`.
    @inline(__always)
    static func open<E: ProtoEnum, Raw: FixedWidthInteger>(_ raw: Raw, as type: E.Type = E.self) -> E {
        E(rawValue: Int32(truncatingIfNeeded: raw))
    }
}
